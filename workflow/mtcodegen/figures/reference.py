"""`mtcodegen reference-table --reference workflow/report/reference.csv --out D/reference.csv`: check the table
of numbers reported in arXiv 2410.08105 (every row cited) and write it without its comment lines, for the
report and the reproduced-vs-reported figure."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from ..jsonl import atomic_path

REFERENCE_COLUMNS = ("metric", "model", "dataset", "setting", "value", "citation")


def read_reference(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"reference table not found: {path}")
    table = pd.read_csv(path, comment="#")
    missing = [c for c in REFERENCE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: reference table lacks column(s) {', '.join(missing)}")
    if table["citation"].isna().any():
        raise ValueError(f"{path}: every reported number needs a citation (section/table of arXiv 2410.08105)")
    return table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reference", required=True, help="the reference CSV (# lines are comments)")
    parser.add_argument("--out", required=True, help="where to write the checked table")


def run(args: argparse.Namespace) -> int:
    table = read_reference(args.reference)
    out = Path(args.out)
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, columns=list(REFERENCE_COLUMNS) + [c for c in table if c not in REFERENCE_COLUMNS])
    print(f"{len(table)} reference rows -> {out}")
    return 0
