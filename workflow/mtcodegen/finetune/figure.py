"""`mtcodegen rft-loss-figure`: training loss against step for each finetune, from its loss.csv."""

from __future__ import annotations

import argparse
import csv
import textwrap
from pathlib import Path


def read_curve(path: str | Path) -> tuple[list[int], list[float]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"no logged training steps in {path}")
    return [int(float(r["step"])) for r in rows], [float(r["loss"]) for r in rows]


def skip_reason(loss_csv: str | Path) -> str | None:
    """The reason a finetune did not train (its model directory's skip record), or None if it trained."""
    from ..skipped import read_skip

    record = read_skip(Path(loss_csv).parent / "model")
    return record["reason"] if record else None


def plot_losses(curves: dict[str, str | Path], out_stem: str | Path) -> list[Path]:
    """Write ``<out_stem>.pdf`` and ``.png``; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    skipped = []
    for name, path in sorted(curves.items()):
        reason = skip_reason(path)
        if reason:  # an empty RFT set: the finetune recorded why instead of training (mtcodegen.skipped)
            skipped.append(f"{name}: not trained. {reason}")
            continue
        steps, losses = read_curve(path)
        ax.plot(steps, losses, marker="o" if len(steps) < 30 else None, markersize=3, label=name)
    if skipped:
        ax.text(0.02, 0.98, "\n".join(textwrap.fill(s, 70) for s in skipped), transform=ax.transAxes,
                va="top", ha="left", fontsize=6)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss (assistant tokens)")
    ax.set_title("RFT finetuning")
    ax.grid(alpha=0.3)
    if len(skipped) < len(curves):
        ax.legend(frameon=False)
    fig.tight_layout()
    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [out_stem.with_suffix(".pdf"), out_stem.with_suffix(".png")]
    fig.savefig(paths[0])
    fig.savefig(paths[1], dpi=150)
    plt.close(fig)
    return paths


def _curve(value: str) -> tuple[str, str]:
    name, sep, path = value.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=LOSS_CSV, got {value!r}")
    return name, path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--curve", type=_curve, action="append", required=True, metavar="NAME=LOSS_CSV",
                        help="one finetune's loss.csv (repeat)")
    parser.add_argument("--out", required=True, help="output path without suffix (writes .pdf and .png)")


def run(args: argparse.Namespace) -> int:
    for path in plot_losses(dict(args.curve), args.out):
        print(path)
    return 0
