"""pass@1 per difficulty level before and after RFT (no prompts), per test dataset and turn setting."""

from __future__ import annotations

from ..groups import facets, main_multi_turn, rft_bases
from ..levels import difficulty_bars, difficulty_levels
from ..parts import facet_title, shared_legend
from ..selection import cell_rows
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "4. RFT"


def draw(metrics_dir, out_prefix):
    table = difficulty_levels(read_table(metrics_dir, "per_difficulty"))
    panels = []  # (base, tuned, dataset, turns, feedback)
    for tuned, base in rft_bases(table).items():
        for _, dataset in [k for k in facets(table, finetuned=True) if k[0] == tuned]:
            facet = table[(table["model"] == tuned) & (table["dataset"] == dataset)]
            settings = [(1, None)] if (facet["turns"] == 1).any() else []
            multi = main_multi_turn(facet)
            panels += [(base, tuned, dataset, t, fb) for t, fb in settings + ([multi] if multi else [])]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "an RFT model and its base model on a test split with difficulty levels")
        return save(fig, out_prefix)
    for ax, (base, tuned, dataset, turns, feedback) in zip(axes, panels):
        bars = [("base model", cell_rows(table, base, dataset, turns=turns, feedback=feedback)),
                ("RFT model", cell_rows(table, tuned, dataset, turns=turns, feedback=feedback, finetuned=True))]
        difficulty_bars(ax, bars)
        where = "single turn" if turns == 1 else f"{turns} turns, fb={feedback}"
        missing = [label for label, rows in bars if rows.empty]
        facet_title(ax, base, dataset, f"{where}, no prompt; RFT: {tuned}"
                    + (f"\nnot in this run: {', '.join(missing)}" if missing else ""))
    shared_legend(fig, axes)
    return save(fig, out_prefix)
