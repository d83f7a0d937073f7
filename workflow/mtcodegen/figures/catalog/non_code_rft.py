"""Share of non-code text in a response before and after RFT: the base model and its RFT model without
prompts, single turn and the RFT model's main multi-turn setting, one stated (base model, test dataset) per
panel (± one standard deviation over responses). A run whose RFT model was skipped says why."""

from __future__ import annotations

import numpy as np

from ..groups import NO_PROMPT, test_only
from ..parts import facet_title, shared_legend
from ..rft import rft_panels, skipped_models, skipped_note
from ..selection import cell_rows
from ..style import ERRORBAR, facet_figure, not_in_run, read_table, save

CATEGORY = "4. RFT"


def draw(metrics_dir, out_prefix):
    table = test_only(read_table(metrics_dir, "non_code"))
    table = table[(table["turn"].astype(str) == "all") & (table["reasoning"] == NO_PROMPT)
                  & (table["instruction"] == NO_PROMPT) & ~table["cot_retry"].astype(bool)]
    panels = rft_panels(table)
    skipped = skipped_models(metrics_dir)
    fig, axes = facet_figure(len(panels), panel_height=1.8)
    if not panels:
        not_in_run(axes[0], "no-prompt cells with responses on a test split")
        return save(fig, out_prefix)
    for ax, panel in zip(axes, panels):
        settings = [("single turn", None, None)]
        if panel.turns > 1:
            settings.append((panel.setting, panel.turns, panel.feedback))
        models = [("base", panel.base, False)] + ([("RFT", panel.tuned, True)] if panel.tuned else [])
        width = 0.8 / len(models)
        missing = []
        for j, (label, model, finetuned) in enumerate(models):
            values, sds = [], []
            for name, turns, feedback in settings:
                row = cell_rows(table, model, panel.dataset, turns=turns, feedback=feedback, finetuned=finetuned)
                if row.empty:
                    missing.append(f"{label} {name}")
                values.append(100 * row["non_code_fraction"].iloc[0] if not row.empty else np.nan)
                sds.append(100 * row["non_code_fraction_sd"].iloc[0] if not row.empty else 0)
            ax.bar(np.arange(len(settings)) + (j - (len(models) - 1) / 2) * width, values, width, yerr=sds,
                   label=label, **ERRORBAR)
        ax.set_xticks(np.arange(len(settings)), [s[0] for s in settings])
        ax.set_ylabel("non-code share (%)")
        ax.set_ylim(0, 100)
        extra = "no prompt" + (f"; RFT: {panel.tuned}" if panel.tuned else "")
        if missing:
            extra += "\nnot in this run: " + ", ".join(missing)
        if not panel.tuned:
            extra += "\n" + skipped_note(skipped)
        facet_title(ax, panel.base, panel.dataset, extra)
    shared_legend(fig, axes)
    return save(fig, out_prefix)
