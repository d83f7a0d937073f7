"""Similarity of consecutive attempts before and after RFT: the densities of the base model and its RFT model
without prompts, at the RFT model's main multi-turn setting, one stated (base model, test dataset) per panel.
A run whose RFT model was skipped, or ran single-turn cells only, says so."""

from __future__ import annotations

from ..parts import facet_title
from ..rft import rft_panels, skipped_models, skipped_note
from ..selection import cell_rows
from ..similarity import density, plain_similarity, similarity_axes
from ..style import facet_figure, not_in_run, read_table, save

CATEGORY = "4. RFT"


def draw(metrics_dir, out_prefix):
    table = plain_similarity(metrics_dir)
    every = rft_panels(read_table(metrics_dir, "pass_at_k"))
    panels = [p for p in every if p.turns > 1]
    skipped = skipped_models(metrics_dir)
    fig, axes = facet_figure(len(panels))
    if not panels:
        tuned = sorted({p.tuned for p in every if p.tuned})
        reason = (f"a multi-turn no-prompt cell of the RFT model {', '.join(tuned)} (it ran single-turn cells "
                  "only; similarity compares consecutive attempts)" if tuned else
                  "no-prompt multi-turn cells of a base model on a test split"
                  + ("" if not skipped else "\n" + skipped_note(skipped)))
        not_in_run(axes[0], reason)
        return save(fig, out_prefix)
    for ax, panel in zip(axes, panels):
        models = [("base", panel.base, False)] + ([("RFT", panel.tuned, True)] if panel.tuned else [])
        missing = []
        for label, model, finetuned in models:
            rows = cell_rows(table, model, panel.dataset, turns=panel.turns, feedback=panel.feedback,
                             finetuned=finetuned)
            if rows.empty:
                missing.append(f"{label} (no pair of consecutive attempts with code)")
            else:
                density(ax, rows["similarity"], label)
        extra = f"{panel.setting}, no prompt" + (f"; RFT: {panel.tuned}" if panel.tuned else "")
        if missing:
            extra += "\nnot in this run: " + ", ".join(missing)
        if not panel.tuned:
            extra += "\n" + skipped_note(skipped)
        facet_title(ax, panel.base, panel.dataset, extra)
        similarity_axes(ax)
    return save(fig, out_prefix)
