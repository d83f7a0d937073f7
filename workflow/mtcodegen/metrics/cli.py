"""`mtcodegen metrics`: every evaluation cell's trajectories -> the CSV tables of docs/metrics.md."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from . import tables
from .trajectories import read_cell, read_difficulties
from ..options import json_option
from ..jsonl import atomic_path
from ..skipped import read_skip

# skipped: cells with nothing to score (a finetuned model never trained for lack of RFT data), and why.
TABLES = ("pass_at_k", "n_at_k", "per_turn", "per_difficulty", "similarity", "non_code", "ledger", "skipped")
REQUIRED_CONFIG = ("pass_at_k", "n_at_k", "bootstrap_resamples")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cells-json", help="JSON list of the cells' labels, in --inputs order (with --config)")
    source.add_argument("--plan-config", nargs="+", metavar="CONFIG",
                        help="config file(s) to rebuild the plan from, with --node: the labels and the metrics "
                             "config come from that node, and its manifest is written (paper-scale grids have "
                             "more labels than one command-line argument can hold)")
    parser.add_argument("--node", help="the metrics node hash (with --plan-config)")
    parser.add_argument("--inputs", nargs="+", required=True, help="execute-stage trajectories files, one per cell")
    parser.add_argument("--problems", nargs="*", default=[],
                        help="each cell's problems file (same order), for the per-difficulty table")
    parser.add_argument("--config", help="the config's `metrics` section as JSON (with --cells-json)")
    parser.add_argument("--out-dir", required=True, help="directory for the CSV tables")


def write_csv(frame, path: Path) -> None:
    """Atomic, like every other output: a killed job never leaves a half-written table that looks done."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def _plan_node(config_files: list[str], hash_: str | None):
    from ..commands.index import merge_config_files
    from ..config import load_config
    from ..plan import build_plan

    if not hash_:
        raise ValueError("--plan-config needs --node HASH (the metrics node to compute)")
    plan = build_plan(load_config(merge_config_files(config_files)))
    if plan.metrics is None or plan.metrics.hash != hash_:
        found = plan.metrics.hash if plan.metrics else "none"
        raise ValueError(
            f"the plan of {' '.join(config_files)} has metrics node {found}, not {hash_}: the config or the code "
            "changed since the workflow built its DAG, or --config overrides were given on the command line "
            "(put them in a config file and pass it with --configfile)"
        )
    return plan.metrics


def run(args: argparse.Namespace) -> int:
    node = None
    if args.plan_config:
        node = _plan_node(args.plan_config, args.node)
        labels, config = node.params["cells"], node.params["metrics"]
    else:
        if not args.config:
            raise ValueError("--cells-json needs --config (the metrics section as JSON)")
        labels = json_option(args.cells_json, "--cells-json", expect=list, what="a JSON list of cell labels")
        config = json_option(args.config, "--config")
    if not isinstance(labels, list) or not all(isinstance(x, dict) for x in labels):
        raise ValueError("--cells-json must be a JSON list of cell-label objects")
    if len(labels) != len(args.inputs):
        raise ValueError(f"--cells-json has {len(labels)} cells but --inputs has {len(args.inputs)} files")
    if args.problems and len(args.problems) != len(args.inputs):
        raise ValueError(f"--problems has {len(args.problems)} files but --inputs has {len(args.inputs)}")
    missing = [key for key in REQUIRED_CONFIG if key not in config]
    if missing:
        raise ValueError(f"--config lacks the metrics key(s): {', '.join(missing)}")
    started = time.time()
    cells, skipped = [], []
    groups_cache: dict[str, dict] = {}
    for i, (label, path) in enumerate(zip(labels, args.inputs)):
        skip = read_skip(Path(path).parent)
        if skip:  # e.g. the finetuned model's cells when the RFT data was empty: reported, not scored
            skipped.append({"cell": label.get("name"), "stage": skip.get("stage"), "reason": skip["reason"]})
            print(f"skipped cell {label.get('name')}: {skip['reason']}")
            continue
        cell = read_cell(path, label, verdict=config.get("correct", "all_tests"))
        if args.problems:
            problems = args.problems[i]
            if problems not in groups_cache:
                groups_cache[problems] = read_difficulties(problems)
            cell.groups = groups_cache[problems]
        cells.append(cell)
        print(f"read {len(cell.records)} trajectories of {len(cell.problem_ids)} problems: {label.get('name')}")
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        **tables.estimator_tables(cells, config),  # pass_at_k, n_at_k, per_turn, per_difficulty
        "similarity": tables.similarity_table(cells),
        "non_code": tables.non_code_table(cells),
        "ledger": tables.ledger_table(cells),
    }
    frames["skipped"] = pd.DataFrame(skipped, columns=["cell", "stage", "reason"])
    for name in TABLES:
        write_csv(frames[name], out / f"{name}.csv")
        print(f"wrote {out / name}.csv ({len(frames[name])} rows)")
    if node is not None:
        from ..provenance import write_manifest

        write_manifest(out / "manifest.json", node.name, node.spec, started)
    return 0
