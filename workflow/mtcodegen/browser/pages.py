"""Where a plan's browser pages go: one per cell (the evaluation cells and the RFT generator cell), under
``<results>/browser/<hash>/``, each knowing the other cells judged on the same problems file (its side-by-side
choices, loaded from the sibling directories ``../<hash>/``).

The hash is content-addressed like every other result (docs/provenance.md): it covers the cell's execute node,
its peers' execute nodes and the browser's own code (this package, its static files, and the similarity
function it shows), so a page is rebuilt exactly when what it would show changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from ..provenance import canonical_json, digest_bytes

PACKAGE = Path(__file__).parent
# The similarity score shown between attempts is the metrics stage's; the page changes when it does.
EXTRA_CODE = (PACKAGE.parent / "metrics" / "analyses.py", PACKAGE.parent / "typed_json.py")
HASH_CHARS = 16
_CODE: list[str] = []


def code_fingerprint() -> str:
    """Hash of the browser's code and static files (vendored libraries included), by relative path."""
    if not _CODE:
        sha = hashlib.sha256()
        files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in [*files, *EXTRA_CODE]:
            sha.update(str(path.relative_to(PACKAGE.parent)).encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE.append(sha.hexdigest()[:HASH_CHARS])
    return _CODE[0]


@dataclass(frozen=True)
class Page:
    hash: str
    name: str  # the cell's readable name
    label: dict[str, Any]
    generate: Any  # plan nodes
    execute: Any
    peers: list[tuple[str, str]] = field(default_factory=list)  # (cell name, page hash) over the same problems

    def peer_args(self) -> list[str]:
        """`mtcodegen browse --peer` values: NAME=../<hash> (relative to this page's directory)."""
        return [f"{name}=../{hash_}" for name, hash_ in self.peers]


def plan_pages(plan) -> dict[str, Page]:
    """Page hash -> Page, for every cell of the plan (evaluation cells first, then the RFT generator)."""
    cells = list(plan.cells) + ([plan.rft_cell] if getattr(plan, "rft_cell", None) else [])
    seen, unique = set(), []
    for cell in cells:  # a cell can appear twice (the generator may also be an evaluation cell)
        if cell.execute.hash not in seen:
            seen.add(cell.execute.hash)
            unique.append(cell)
    groups: dict[str, list] = {}
    for cell in unique:
        groups.setdefault(cell.execute.inputs["problems"], []).append(cell)
    code = code_fingerprint()
    hashes = {}
    for cell in unique:
        group = sorted(c.execute.hash for c in groups[cell.execute.inputs["problems"]])
        hashes[cell.execute.hash] = digest_bytes(canonical_json(
            {"execute": cell.execute.hash, "group": group, "code": code}).encode())[:HASH_CHARS]
    pages = {}
    for cell in unique:
        peers = [(c.name, hashes[c.execute.hash]) for c in groups[cell.execute.inputs["problems"]]
                 if c.execute.hash != cell.execute.hash]
        page = Page(hash=hashes[cell.execute.hash], name=cell.name, label=dict(cell.label), generate=cell.generate,
                    execute=cell.execute, peers=sorted(peers))
        pages[page.hash] = page
    return pages


def selected(pages: dict[str, Page], cells: str | list[str] = "all") -> list[str]:
    """The page hashes the config's ``browser.cells`` puts in the `all` target: "all", "none", or cell-name
    patterns (fnmatch). A pattern that matches no cell is an error naming it (a typo would silently build
    nothing). Other pages stay buildable by path: ``snakemake results/browser/<hash>``."""
    if cells == "all":
        return list(pages)
    if cells == "none":
        return []
    if isinstance(cells, str) or not all(isinstance(c, str) for c in cells):
        raise ValueError(f"browser.cells: expected 'all', 'none' or a list of cell-name patterns, got {cells!r}")
    chosen = []
    for pattern in cells:
        matched = [h for h, page in pages.items() if fnmatchcase(page.name, pattern)]
        if not matched:
            raise ValueError(f"browser.cells: pattern {pattern!r} matches no cell of this config "
                             f"(cells: {', '.join(sorted(p.name for p in pages.values())[:5])}, ...)")
        chosen += [h for h in matched if h not in chosen]
    return chosen
