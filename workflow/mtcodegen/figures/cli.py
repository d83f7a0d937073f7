"""`mtcodegen figure NAME --metrics-dir D --out-prefix figures/NAME`: one figure, as NAME.pdf and NAME.png."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import analyses, difficulty, performance, sweeps

FIGURES = {
    "pass_vs_turns": performance.pass_vs_turns,
    "turn_table": performance.turn_table,
    "cot_gain": performance.cot_gain,
    "prompt_heatmap": performance.prompt_heatmap,
    "instruction_types": performance.instruction_types,
    "difficulty_cot": difficulty.difficulty_cot,
    "difficulty_rft": difficulty.difficulty_rft,
    "n_at_k_curves": performance.n_at_k_curves,
    "turns_sweep": sweeps.turns_sweep,
    "feedback_types": sweeps.feedback_types,
    "cot_retry_vs_multi": sweeps.cot_retry_vs_multi,
    "similarity_feedback": analyses.similarity_feedback,
    "similarity_rft": analyses.similarity_rft,
    "non_code_rft": analyses.non_code_rft,
    "reproduced_vs_reported": analyses.reproduced_vs_reported,
}
DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "report" / "reference.csv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=sorted(FIGURES), metavar="NAME", help=f"one of: {', '.join(sorted(FIGURES))}")
    parser.add_argument("--metrics-dir", required=True, help="directory of the metrics CSV tables")
    parser.add_argument("--out-prefix", required=True, help="write <prefix>.pdf and <prefix>.png")
    parser.add_argument("--reference", default=str(DEFAULT_REFERENCE),
                        help="the paper's reported numbers (reproduced_vs_reported only)")


def run(args: argparse.Namespace) -> int:
    if not Path(args.metrics_dir).is_dir():
        raise FileNotFoundError(f"metrics directory not found: {args.metrics_dir}")
    draw = FIGURES[args.name]
    extra = {"reference": args.reference} if args.name == "reproduced_vs_reported" else {}
    for path in draw(args.metrics_dir, args.out_prefix, **extra):
        print(f"wrote {path}")
    return 0
