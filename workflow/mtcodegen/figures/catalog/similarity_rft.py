"""The same densities for a base model and its RFT model, no prompt at evaluation, per test dataset."""

from __future__ import annotations

from ..groups import facets, main_multi_turn, rft_bases
from ..parts import facet_title
from ..selection import cell_rows
from ..similarity import density, plain_similarity, similarity_axes
from ..style import facet_figure, not_in_run, save

CATEGORY = "4. RFT"


def draw(metrics_dir, out_prefix):
    """The same densities for a base model and its RFT model, no prompt at evaluation, per test dataset."""
    table = plain_similarity(metrics_dir)
    panels = []
    if not table.empty:
        for tuned, base in rft_bases(table).items():
            panels += [(base, tuned, d) for m, d in facets(table, finetuned=True) if m == tuned]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "no-prompt multi-turn cells of both a base and its RFT model")
        return save(fig, out_prefix)
    for ax, (base, tuned, dataset) in zip(axes, panels):
        facet = table[(table["model"] == tuned) & (table["dataset"] == dataset)]
        turns, feedback = main_multi_turn(facet)
        for label, model, finetuned in (("base", base, False), ("RFT", tuned, True)):
            rows = cell_rows(table, model, dataset, turns=turns, feedback=feedback, finetuned=finetuned)
            if not rows.empty:
                density(ax, rows["similarity"], label)
        facet_title(ax, base, dataset, f"RFT: {tuned}; {turns} turns, fb={feedback}, no prompt")
        similarity_axes(ax)
    return save(fig, out_prefix)
