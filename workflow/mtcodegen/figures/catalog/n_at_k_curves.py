"""pass n@k against the attempt budget k for one stated (model, dataset) per panel: the base model without
prompts, with the chosen CoT pair, and its RFT model without prompts, all at the facet's multi-turn setting."""

from __future__ import annotations

import pandas as pd

from ..groups import facets, main_multi_turn, rft_bases
from ..parts import budget_axis, budget_lines, facet_title, shared_legend
from ..selection import cell_rows, choose
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "1. Multi-turn"


def draw(metrics_dir, out_prefix):
    """pass n@k against the attempt budget k for one stated (model, dataset) per panel: the base model without
    prompts, with the chosen CoT pair, and its RFT model without prompts, all at the facet's multi-turn setting."""
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    bases = rft_bases(table) if not table.empty else {}
    panels = []  # (base model, dataset, RFT model or None)
    for tuned, base in bases.items():
        panels += [(base, d, tuned) for m, d in facets(table, finetuned=True) if m == tuned]
    if not panels:
        panels = [(m, d, None) for m, d in facets(table)]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "any n@k budget within samples × turns on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset, tuned) in zip(axes, panels):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset)]
        multi = main_multi_turn(facet)
        turns, feedback = multi if multi else (1, None)
        choice = choose(passes, model, dataset)
        curves = [("base", cell_rows(table, model, dataset, turns=turns, feedback=feedback))]
        if choice:
            curves.append(("base + CoT (chosen pair)", cell_rows(table, model, dataset, turns=turns, feedback=feedback,
                                                                 reasoning=choice.reasoning,
                                                                 instruction=choice.instruction)))
        if tuned:
            curves.append(("RFT", cell_rows(table, tuned, dataset, turns=turns, feedback=feedback, finetuned=True)))
        shown = pd.concat([rows for _, rows in curves])
        for label, rows in curves:
            if not rows.empty:
                budget_lines(ax, rows, label)
        missing = [name for name, rows in curves if rows.empty] + ([] if tuned else ["RFT"])
        extra = f"t={turns}" + (f" fb={feedback}" if feedback else "")
        if choice:
            extra += f"; CoT {choice.describe()}"
        if missing:
            extra += "\nnot in this run: " + ", ".join(missing)
        facet_title(ax, model, dataset, extra)
        if not shown.empty:
            budget_axis(ax, shown)
    shared_legend(fig, axes)
    return save(fig, out_prefix)
