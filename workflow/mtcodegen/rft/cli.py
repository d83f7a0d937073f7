"""`mtcodegen rft-data`: build the RFT training set of one generator cell (docs/rft.md)."""

from __future__ import annotations

import argparse
import json
import sys

from .build import build_rft_data
from ..options import json_option


def _ref_path(value: str) -> tuple[str, str]:
    ref, sep, path = value.partition("=")
    if not sep or not ref or not path:
        raise argparse.ArgumentTypeError(f"expected DATASET/SPLIT=PATH, got {value!r}")
    return ref, path


def add_eval_argument(parser: argparse.ArgumentParser) -> None:
    """``--eval DATASET/SPLIT=PATH`` (repeatable): the evaluation splits rft-data and rft-problems decontaminate
    against."""
    parser.add_argument("--eval", type=_ref_path, action="append", default=[], metavar="DATASET/SPLIT=PATH",
                        help="an evaluation split's problems file to decontaminate against (repeat)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", required=True, help="the generator cell's execute-stage trajectories")
    parser.add_argument("--train-problems", required=True, help="the problems file the generator cell ran on")
    add_eval_argument(parser)
    parser.add_argument("--params", required=True, help="the rft_data node params (JSON)")
    parser.add_argument("--prompts", default="prompts", help="the prompts directory the generator read")
    parser.add_argument("--out", required=True, help="output directory (train.jsonl, stats.json, removed.jsonl)")


def run(args: argparse.Namespace) -> int:
    params = json_option(args.params, "--params")
    for key in ("max_per_problem", "dedup_threshold", "decontamination_threshold", "generator",
                "train_turn_classes", "cross_test"):
        if key not in params:
            raise ValueError(f"--params lacks {key!r}")
    stats = build_rft_data(args.trajectories, args.train_problems, dict(args.eval), params, args.prompts, args.out)
    print(json.dumps(stats, indent=2))
    if not stats["trajectories"]:
        print("warning: no trajectory passed every filter; the finetune stage will refuse this empty set",
              file=sys.stderr)
    return 0
