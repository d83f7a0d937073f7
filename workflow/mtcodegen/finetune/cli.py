"""`mtcodegen finetune`: finetune a base model on RFT data into a merged checkpoint (docs/rft.md)."""

from __future__ import annotations

import argparse
import json
from ..options import json_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, help="train.jsonl of the rft_data stage")
    parser.add_argument("--base", required=True, help="the base model's checkpoint directory")
    parser.add_argument("--params", required=True, help="the finetune node params (JSON)")
    parser.add_argument("--out", required=True, help="the node directory: model/, adapter/, checkpoints/, loss.csv")


def run(args: argparse.Namespace) -> int:
    params = json_option(args.params, "--params")
    from .figure import plot_losses
    from .train import finetune

    summary = finetune(args.data, args.base, args.out, params)
    plot_losses({"finetune": f"{args.out}/loss.csv"}, f"{args.out}/loss")
    print(json.dumps(summary, indent=2))
    return 0
