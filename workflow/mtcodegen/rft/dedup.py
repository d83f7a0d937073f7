"""Near-copy detection on code with MinHash LSH: Jaccard similarity of token 3-gram shingles.

Shingles are over code tokens (identifiers, numbers, single punctuation characters), not characters, so
that reindenting or respacing a program does not make it look new.
"""

from __future__ import annotations

import re

from datasketch import MinHash, MinHashLSH

NUM_PERM = 128
SHINGLE = 3
_TOKEN = re.compile(r"\w+|[^\w\s]")


def shingles(code: str) -> set[str]:
    tokens = _TOKEN.findall(code)
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def minhash(code: str) -> MinHash:
    sketch = MinHash(num_perm=NUM_PERM, seed=1)
    sketch.update_batch([s.encode() for s in shingles(code)])
    return sketch


class NearDuplicateIndex:
    """Insert code under a key; ``find`` returns the key of an indexed near copy (Jaccard ≥ threshold) or None.

    LSH only proposes candidates; each is confirmed with the estimated Jaccard similarity, so the threshold
    means what it says rather than LSH's banding approximation of it.
    """

    def __init__(self, threshold: float):
        if not 0 < threshold <= 1:
            raise ValueError(f"dedup threshold must be in (0, 1], got {threshold}")
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sketches: dict[str, MinHash] = {}
        self._exact: dict[str, str] = {}

    def find(self, code: str, sketch: MinHash | None = None) -> tuple[str, float] | None:
        normalized = " ".join(_TOKEN.findall(code))
        if normalized in self._exact:
            return self._exact[normalized], 1.0
        sketch = sketch or minhash(code)
        best = None
        for key in self._lsh.query(sketch):
            similarity = sketch.jaccard(self._sketches[key])
            if similarity >= self.threshold and (best is None or similarity > best[1]):
                best = (key, similarity)
        return best

    def add(self, key: str, code: str, sketch: MinHash | None = None) -> None:
        if key in self._sketches:
            raise ValueError(f"duplicate key in near-duplicate index: {key}")
        sketch = sketch or minhash(code)
        self._lsh.insert(key, sketch)
        self._sketches[key] = sketch
        self._exact.setdefault(" ".join(_TOKEN.findall(code)), key)
