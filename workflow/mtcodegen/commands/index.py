"""`mtcodegen index CONFIG... --out results/index.tsv`: readable names of a config's nodes and their hashes.

Several config files are merged the way Snakemake merges several ``--configfile``s (later files win,
mappings merge key by key), so that the index describes the plan the workflow ran.
"""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from ..config import ConfigError, load_config
from ..plan import build_plan
from ..jsonl import atomic_path


def add_arguments(parser) -> None:
    parser.add_argument("config", nargs="*", default=["config.yaml"], help="config file(s), merged in order")
    parser.add_argument("--out", default="results/index.tsv")
    parser.add_argument("--latest", help="also copy the index here (results/index.tsv: the last plan indexed)")
    parser.add_argument("--expect-hash", help="fail unless the plan's index hash is this one (the rule's plan)")


def run(args) -> int:
    plan = build_plan(load_config(merge_config_files(args.config)))
    if args.expect_hash and plan.index_hash() != args.expect_hash:
        raise ValueError(
            f"the plan of {' '.join(args.config)} (index {plan.index_hash()}) is not the workflow's "
            f"(index {args.expect_hash}): --config overrides on the command line are not seen here; "
            "put them in a config file and pass it with --configfile"
        )
    rows = plan.index_rows()
    for target in filter(None, (args.out, args.latest)):
        _write_tsv(Path(target), rows)
    return 0


def _write_tsv(out: Path, rows: list[dict[str, str]]) -> None:
    with atomic_path(out) as tmp, open(tmp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["stage", "hash", "name", "path"], delimiter="\t")
        writer.writeheader()
        writer.writerows(rows)


def merge_config_files(paths: list[str]) -> dict:
    merged: dict = {}
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(f"config file not found: {path}")
        data = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"config file {path}: expected a mapping at the top level")
        _update(merged, data)
    return merged


def _update(target: dict, new: dict) -> None:
    """snakemake.utils.update_config: nested mappings merge, everything else is replaced."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _update(target[key], value)
        else:
            target[key] = value
