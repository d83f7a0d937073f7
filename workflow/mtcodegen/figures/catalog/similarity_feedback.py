"""Density of the similarity of consecutive attempts, one curve per execution-feedback type: no-prompt
multi-turn cells of one stated base model and test dataset per panel, at the panel's main turn count."""

from __future__ import annotations

from ..groups import facets, feedback_order, main_multi_turn
from ..parts import facet_title
from ..selection import cell_rows
from ..similarity import density, plain_similarity, similarity_axes
from ..style import facet_figure, not_in_run, save

CATEGORY = "3. Analyses"


def draw(metrics_dir, out_prefix):
    table = plain_similarity(metrics_dir)
    keys = facets(table)
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "no-prompt multi-turn cells whose consecutive attempts both have code")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset) & ~table["finetuned"].astype(bool)]
        turns, _ = main_multi_turn(facet)
        for feedback in feedback_order(facet.loc[facet["turns"] == turns, "feedback"].unique()):
            density(ax, cell_rows(facet, model, dataset, turns=turns, feedback=feedback)["similarity"], feedback)
        facet_title(ax, model, dataset, f"{turns} turns, no prompt")
        similarity_axes(ax)
    return save(fig, out_prefix)
