"""`mtcodegen metrics`: every evaluation cell's trajectories -> the CSV tables of docs/metrics.md.

From Snakemake, ``--node-file`` is the metrics node the workflow's plan wrote at plan time (its name and spec:
the cells' labels, the metrics settings): the command reads only that file and its inputs, never the config
files or the plan code, and refuses a file whose spec does not hash to ``--node``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from . import tables
from .trajectories import read_cell, read_difficulties
from ..options import json_option
from ..jsonl import atomic_path
from ..schema import section
from ..skipped import read_skip

# skipped: cells with nothing to score (a finetuned model never trained for lack of RFT data), and why.
TABLES = ("pass_at_k", "n_at_k", "per_turn", "per_difficulty", "similarity", "non_code", "ledger", "skipped")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--cells-json", help="JSON list of the cells' labels, in --inputs order (with --config)")
    source.add_argument("--node-file", metavar="FILE",
                        help="the metrics node as the workflow wrote it at plan time (results/plan/<h>.json), "
                             "with --node: the labels and the metrics config come from that node, and its "
                             "manifest is written (paper-scale grids have more labels than one command-line "
                             "argument can hold)")
    parser.add_argument("--node", help="the metrics node hash (with --node-file): the file must hold it")
    parser.add_argument("--inputs", nargs="+", required=True, help="execute-stage trajectories files, one per cell")
    parser.add_argument("--problems", nargs="*", default=[],
                        help="each cell's problems file (same order), for the per-difficulty table")
    parser.add_argument("--config", help="the config's `metrics` section as JSON (with --cells-json); keys it "
                                         "leaves out take the config schema's defaults")
    parser.add_argument("--out-dir", required=True, help="directory for the CSV tables")


def write_csv(frame, path: Path) -> None:
    """Atomic, like every other output: a killed job never leaves a half-written table that looks done."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)


def _node(path: str, hash_: str | None):
    from ..node_files import read_node_file

    if not hash_:
        raise ValueError("--node-file needs --node HASH (the metrics node to compute)")
    return read_node_file(path, "metrics", hash_, option="--node-file")


def run(args: argparse.Namespace) -> int:
    node = None
    if args.node_file:
        node = _node(args.node_file, args.node)
        labels, config = node.params["cells"], node.params["metrics"]
        what = f"--node-file {args.node_file}: metrics"
    else:
        if not args.config:
            raise ValueError("--cells-json needs --config (the metrics section as JSON)")
        labels = json_option(args.cells_json, "--cells-json", expect=list, what="a JSON list of cell labels")
        config = json_option(args.config, "--config")
        what = "--config"
    config = section("metrics", config, what)  # checked; what it leaves out takes the schema's defaults
    if not isinstance(labels, list) or not all(isinstance(x, dict) for x in labels):
        raise ValueError("--cells-json must be a JSON list of cell-label objects")
    if len(labels) != len(args.inputs):
        raise ValueError(f"--cells-json has {len(labels)} cells but --inputs has {len(args.inputs)} files")
    if args.problems and len(args.problems) != len(args.inputs):
        raise ValueError(f"--problems has {len(args.problems)} files but --inputs has {len(args.inputs)}")
    started = time.time()
    cells, skipped = [], []
    groups_cache: dict[str, dict] = {}
    for i, (label, path) in enumerate(zip(labels, args.inputs)):
        skip = read_skip(Path(path).parent)
        if skip:  # e.g. the finetuned model's cells when the RFT data was empty: reported, not scored
            skipped.append({"cell": label.get("name"), "stage": skip.get("stage"), "reason": skip["reason"]})
            print(f"skipped cell {label.get('name')}: {skip['reason']}")
            continue
        cell = read_cell(path, label, verdict=config["correct"])
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
