"""`mtcodegen finetune`: finetune a base model on RFT data into a merged checkpoint (docs/rft.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..options import json_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="train.jsonl of the rft_data stage")
    parser.add_argument("--base", required=True, help="the base model's checkpoint directory")
    parser.add_argument("--params", required=True, help="the finetune node params (JSON)")
    parser.add_argument("--out", required=True, help="the node directory: model/, adapter/, checkpoints/, loss.csv")
    parser.add_argument("--root", help="a relative launch.accelerate_config is resolved against this (the workflow "
                                       "passes its own directory; default: the project)")
    parser.add_argument("--worker", action="store_true",
                        help="internal: this process is one of the accelerate workers (launch.py starts them)")


def empty_data_reason(data_path: str) -> str | None:
    """Why there is nothing to train on, or None when the RFT data holds at least one chat."""
    from ..jsonl import read_jsonl

    if any(True for _ in read_jsonl(data_path)):
        return None
    stats_path = Path(data_path).parent / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}
    removed = ", ".join(f"{n} {reason}" for reason, n in sorted((stats.get("removed") or {}).items()))
    return (f"the RFT data is empty: none of the generator cell's {stats.get('input_trajectories', '?')} "
            f"trajectories was kept ({removed or 'no removal recorded'}; {stats_path})")


def skip(args: argparse.Namespace, reason: str) -> int:
    """Record a finetune with nothing to train on: a model directory that says why, an empty loss curve."""
    from ..jsonl import write_json
    from ..skipped import write_skip
    from .train import LOG_FIELDS

    out = Path(args.out)
    record = write_skip(out / "model", stage="finetune", reason=reason, data=str(args.data))
    (out / "loss.csv").write_text(",".join(LOG_FIELDS) + "\n", encoding="utf-8")
    write_json(out / "summary.json", record)
    print(f"finetune skipped: {reason}", file=sys.stderr)
    print(json.dumps(record, indent=2))
    return 0


def run(args: argparse.Namespace) -> int:
    params = json_option(args.params, "--params")
    reason = empty_data_reason(args.data)
    if reason:
        return skip(args, reason)
    from ..figures.catalog.rft_loss import plot_losses
    from .launch import distributed, resolve, run_workers
    from .train import finetune, load_summary

    plan = resolve(params.get("launch"), root=args.root)
    if args.worker:
        finetune(args.data, args.base, args.out, params)
        return 0  # the launcher (rank 0's parent) draws the curve and prints the summary
    if distributed(plan):
        run_workers(plan, ["--data", args.data, "--base", args.base, "--params", args.params, "--out", args.out,
                           *(["--root", args.root] if args.root else [])])
        summary = load_summary(args.out)
    else:
        summary = finetune(args.data, args.base, args.out, params)
    plot_losses({"finetune": f"{args.out}/loss.csv"}, f"{args.out}/loss")
    print(json.dumps(summary, indent=2))
    return 0
