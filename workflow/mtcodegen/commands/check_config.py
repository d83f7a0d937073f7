"""`mtcodegen check-config CONFIG`: validate a config and list the cells it defines."""

from __future__ import annotations

from ..config import load_config
from ..plan import build_plan


def add_arguments(parser) -> None:
    parser.add_argument("config", nargs="?", default="config.yaml")


def run(args) -> int:
    plan = build_plan(load_config(args.config))
    for cell in plan.cells:
        print(f"{cell.generate.hash}  {cell.name}")
    counts = ", ".join(f"{stage}: {len(nodes)}" for stage, nodes in sorted(plan.nodes.items()))
    print(f"{args.config}: valid ({counts})")
    return 0
