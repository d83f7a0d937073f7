"""`mtcodegen index CONFIG --out results/index.tsv`: readable names of a config's nodes and their hashes."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from ..config import load_config
from ..plan import build_plan


def add_arguments(parser) -> None:
    parser.add_argument("config", nargs="?", default="config.yaml")
    parser.add_argument("--out", default="results/index.tsv")


def run(args) -> int:
    rows = build_plan(load_config(args.config)).index_rows()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".index.")
    with os.fdopen(fd, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["stage", "hash", "name", "path"], delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, out)
    return 0
