"""pass n@k against the budget: plain multi-turn, multi-turn CoT (prompts every turn) and CoT-retry
(prompts only after a failure) with the chosen pair, and CoT-retry without prompts."""

from __future__ import annotations

import pandas as pd

from ..groups import facets, main_multi_turn
from ..parts import budget_axis, budget_lines, facet_title, shared_legend
from ..selection import cell_rows, choose
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "1. Multi-turn"


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    keys = [(m, d) for m, d in facets(table)
            if table[(table["model"] == m) & (table["dataset"] == d)]["cot_retry"].astype(bool).any()]
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "CoT-retry cells (cot_retry: true) of a base model on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset)]
        turns, feedback = main_multi_turn(facet)
        choice = choose(passes, model, dataset)
        at = {"turns": turns, "feedback": feedback}
        curves = [("multi-turn, no prompt", cell_rows(table, model, dataset, **at)),
                  ("CoT-retry, no prompt", cell_rows(table, model, dataset, cot_retry=True, **at))]
        if choice:
            pair = {"reasoning": choice.reasoning, "instruction": choice.instruction}
            curves += [("multi-turn CoT (chosen pair)", cell_rows(table, model, dataset, **at, **pair)),
                       ("CoT-retry (chosen pair)", cell_rows(table, model, dataset, cot_retry=True, **at, **pair))]
        shown = pd.concat([rows for _, rows in curves])
        for label, rows in curves:
            if not rows.empty:
                budget_lines(ax, rows, label, "--" if "retry" in label else "-")
        missing = [label for label, rows in curves if rows.empty]
        facet_title(ax, model, dataset, f"t={turns} fb={feedback}" + (f"; CoT {choice.describe()}" if choice else "")
                    + (f"\nnot in this run: {', '.join(missing)}" if missing else ""))
        budget_axis(ax, shown)
    shared_legend(fig, axes, ncol=2)
    return save(fig, out_prefix)
