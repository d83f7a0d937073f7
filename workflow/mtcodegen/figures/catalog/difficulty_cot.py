"""pass@1 per difficulty level, single turn, per (base model, test dataset): no prompt vs the pair chosen on
validation (pass@1)."""

from __future__ import annotations

from ..groups import facets
from ..levels import difficulty_bars, difficulty_levels
from ..parts import facet_title, shared_legend
from ..selection import cell_rows, choose
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "2. Prompts"


def draw(metrics_dir, out_prefix):
    table = difficulty_levels(read_table(metrics_dir, "per_difficulty"))
    passes = read_table(metrics_dir, "pass_at_k")
    keys = [key for key in facets(table[table["turns"] == 1]) if choose(passes, *key)]
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "single-turn cells with and without CoT prompts of one model on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        choice = choose(passes, model, dataset)
        bars = [("no prompt", cell_rows(table, model, dataset)),
                ("chosen CoT pair", cell_rows(table, model, dataset, reasoning=choice.reasoning,
                                              instruction=choice.instruction))]
        difficulty_bars(ax, bars)
        facet_title(ax, model, dataset, f"single turn; CoT {choice.describe()}")
    shared_legend(fig, axes)
    return save(fig, out_prefix)
