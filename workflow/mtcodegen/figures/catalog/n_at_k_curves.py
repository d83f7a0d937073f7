"""pass n@k against the attempt budget k for one stated (base model, test dataset) per panel: the base model
without prompts, with the chosen CoT pair, and its RFT model without prompts (evaluated without CoT prompts on
the base model's cells), at the RFT model's main setting. A run whose RFT model was skipped says why."""

from __future__ import annotations

import pandas as pd

from ..parts import budget_axis, budget_lines, facet_title, shared_legend
from ..rft import rft_panels, skipped_models, skipped_note
from ..selection import cell_rows, choose
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "4. RFT"


def curves(table: pd.DataFrame, passes: pd.DataFrame, panel) -> tuple[list[tuple[str, pd.DataFrame]], object]:
    """(label, n@k rows of one cell) of the three curves of a panel, and the CoT pair choice."""
    at = {"turns": panel.turns, "feedback": panel.feedback}
    choice = choose(passes, panel.base, panel.dataset)
    out = [("base", cell_rows(table, panel.base, panel.dataset, **at))]
    if choice:
        out.append(("base + CoT (chosen pair)", cell_rows(table, panel.base, panel.dataset, **at,
                                                          reasoning=choice.reasoning, instruction=choice.instruction)))
    if panel.tuned:
        out.append(("RFT", cell_rows(table, panel.tuned, panel.dataset, **at, finetuned=True)))
    return out, choice


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    panels = rft_panels(passes)
    skipped = skipped_models(metrics_dir)
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "a base model's cells on a test split")
        return save(fig, out_prefix)
    for ax, panel in zip(axes, panels):
        lines, choice = curves(table, passes, panel)
        for label, rows in lines:
            if not rows.empty:
                budget_lines(ax, rows, label)
        missing = [label for label, rows in lines if rows.empty] + ([] if choice else ["base + CoT (no CoT cell)"])
        extra = panel.setting + (f"; RFT: {panel.tuned}" if panel.tuned else "")
        if choice:
            extra += f"; CoT {choice.describe()}"
        if missing:
            extra += "\nnot in this run (no n@k budget within samples × turns, or no cell): " + ", ".join(missing)
        if not panel.tuned:
            extra += "\n" + skipped_note(skipped)
        facet_title(ax, panel.base, panel.dataset, extra)
        shown = [rows for _, rows in lines if not rows.empty]
        if shown:
            budget_axis(ax, pd.concat(shown))
        else:
            ax.set_axis_off()
    shared_legend(fig, axes)
    return save(fig, out_prefix)
