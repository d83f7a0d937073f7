"""`mtcodegen index CONFIG... --out results/index.tsv`: readable names of a config's nodes and their hashes.

From Snakemake, ``--rows FILE`` is the index the workflow's own plan wrote (provenance.write_plan_file): the
command reads only that file and checks it against ``--expect-hash``, so it sees exactly the plan of the run,
``--config`` overrides included. By hand, config files are merged the way Snakemake merges several
``--configfile``s (later files win, mappings merge key by key) and the plan is built from them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml

from ..config import ConfigError, load_config
from ..plan import build_plan
from ..jsonl import atomic_path
from ..provenance import HASH_CHARS, canonical_json, digest_bytes


def add_arguments(parser) -> None:
    parser.add_argument("config", nargs="*", default=["config.yaml"], help="config file(s), merged in order")
    parser.add_argument("--rows", help="the index rows as JSON, written at plan time (instead of the configs)")
    parser.add_argument("--out", default="results/index.tsv")
    parser.add_argument("--latest", help="also copy the index here (results/index.tsv: the last plan indexed)")
    parser.add_argument("--expect-hash", help="fail unless the plan's index hash is this one (the rule's plan)")


def run(args) -> int:
    if args.rows:
        rows = _read_rows(Path(args.rows), args.expect_hash)
    else:
        rows = _rows_from_configs(args.config, args.expect_hash)
    for target in filter(None, (args.out, args.latest)):
        _write_tsv(Path(target), rows)
    return 0


def _read_rows(path: Path, expect: str | None) -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"--rows file not found: {path}")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as err:
        raise ValueError(f"--rows file {path} is not JSON ({err})") from None
    fields = {"stage", "hash", "name", "path"}
    if not isinstance(rows, list) or not all(isinstance(r, dict) and set(r) == fields for r in rows):
        raise ValueError(f"--rows file {path}: expected a JSON list of {{{', '.join(sorted(fields))}}} objects")
    found = digest_bytes(canonical_json(rows).encode())[:HASH_CHARS]  # Plan.index_hash, recomputed
    if expect and found != expect:
        raise ValueError(f"--rows file {path} holds index {found}, not the workflow's {expect}")
    return rows


def _rows_from_configs(configs: list[str], expect: str | None) -> list[dict[str, str]]:
    plan = build_plan(load_config(merge_config_files(configs)))
    if expect and plan.index_hash() != expect:
        raise ValueError(
            f"the plan of {' '.join(configs)} (index {plan.index_hash()}) is not the workflow's "
            f"(index {expect}): --config overrides on the command line are not seen here; "
            "put them in a config file and pass it with --configfile"
        )
    return plan.index_rows()


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
