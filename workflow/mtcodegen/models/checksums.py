"""sha256 of every weight file of a checkpoint, in ``checksums.json``; verified after writing and on reuse."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CHECKSUMS = "checksums.json"
# What counts as weights (and tokenizer/config, whose change would change outputs just as much).
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def weight_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.name.endswith(WEIGHT_SUFFIXES))


def write_checksums(directory: Path) -> dict[str, str]:
    files = weight_files(directory)
    if not files:
        raise ValueError(f"{directory} holds no weight files ({', '.join(WEIGHT_SUFFIXES)}): not a checkpoint")
    sums = {p.relative_to(directory).as_posix(): sha256_file(p) for p in files}
    (directory / CHECKSUMS).write_text(json.dumps(sums, indent=1, sort_keys=True) + "\n")
    return sums


def verify_checksums(directory: Path) -> dict[str, str]:
    """The recorded checksums, after checking that every listed file exists and matches (ValueError if not)."""
    path = directory / CHECKSUMS
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the checkpoint was not materialized completely")
    sums = json.loads(path.read_text())
    for name, expected in sums.items():
        file = directory / name
        if not file.is_file():
            raise ValueError(f"checkpoint {directory}: weight file {name} listed in {CHECKSUMS} is missing")
        actual = sha256_file(file)
        if actual != expected:
            raise ValueError(f"checkpoint {directory}: {name} has sha256 {actual}, {CHECKSUMS} says {expected}")
    unlisted = {p.relative_to(directory).as_posix() for p in weight_files(directory)} - set(sums)
    if unlisted:
        raise ValueError(f"checkpoint {directory}: weight files not in {CHECKSUMS}: {sorted(unlisted)}")
    return sums
