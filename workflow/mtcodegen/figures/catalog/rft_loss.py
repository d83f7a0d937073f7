"""Training loss against optimizer step, one curve per finetune, from its loss.csv (a finetune skipped for lack
of RFT data says why instead of a curve). The finetune stage also draws its own curve with ``plot_losses``."""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

CATEGORY = "4. RFT"
READS = ("loss_curves",)


def read_curve(path: str | Path) -> tuple[list[int], list[float]]:
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"no logged training steps in {path}")
    return [int(float(r["step"])) for r in rows], [float(r["loss"]) for r in rows]


def skip_reason(loss_csv: str | Path) -> str | None:
    """The reason a finetune did not train (its model directory's skip record), or None if it trained."""
    from ...skipped import read_skip

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


def draw(curves: dict[str, str | Path], out_prefix: str | Path) -> list[Path]:
    """Every finetune's curve in one figure (``curves``: finetune name -> its loss.csv)."""
    if not curves:
        raise ValueError("rft_loss: no --curve NAME=LOSS_CSV given (the run has no finetune)")
    return plot_losses(curves, out_prefix)
