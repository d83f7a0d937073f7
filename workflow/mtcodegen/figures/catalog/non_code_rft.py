"""Mean share of non-code text in a response (± one standard deviation), no-prompt cells, per test
dataset: the RFT model against its base model, single turn and the main multi-turn setting (every base
model when the run has no RFT model)."""

from __future__ import annotations

import numpy as np

from ..groups import NO_PROMPT, main_multi_turn, rft_bases, test_only
from ..selection import cell_rows
from ..style import ERRORBAR, facet_figure, not_in_run, read_table, save

CATEGORY = "4. RFT"


def draw(metrics_dir, out_prefix):
    """Mean share of non-code text in a response (± one standard deviation), no-prompt cells, per test
    dataset: the RFT model against its base model, single turn and the main multi-turn setting (every base
    model when the run has no RFT model)."""
    table = test_only(read_table(metrics_dir, "non_code"))
    table = table[(table["turn"].astype(str) == "all") & (table["reasoning"] == NO_PROMPT)
                  & (table["instruction"] == NO_PROMPT) & ~table["cot_retry"].astype(bool)]
    datasets = sorted(table["dataset"].astype(str).unique())
    fig, axes = facet_figure(len(datasets), panel_height=1.8)
    if not datasets:
        not_in_run(axes[0], "no-prompt cells with responses on a test split")
        return save(fig, out_prefix)
    pairs = rft_bases(table)
    for ax, dataset in zip(axes, datasets):
        facet = table[table["dataset"] == dataset]
        tuned = [t for t in pairs if (facet["model"] == t).any()]
        models = [(pairs[t], False) for t in tuned] + [(t, True) for t in tuned] if tuned else \
            [(m, False) for m in sorted(facet["model"].astype(str).unique())]
        models = list(dict.fromkeys(models))
        multi = main_multi_turn(facet[~facet["finetuned"].astype(bool)] if not tuned else
                                facet[facet["finetuned"].astype(bool)])
        settings = [("single turn", None, None)] + ([(f"{multi[0]} turns, fb={multi[1]}", *multi)] if multi else [])
        # A setting none of the panel's models has is left out (not drawn as an empty slot).
        settings = [st for st in settings if any(not cell_rows(facet, m, dataset, turns=st[1], feedback=st[2],
                                                                 finetuned=f).empty for m, f in models)]
        width = 0.8 / len(models)
        for j, (model, finetuned) in enumerate(models):
            values, sds = [], []
            for _, turns, feedback in settings:
                row = cell_rows(facet, model, dataset, turns=turns, feedback=feedback, finetuned=finetuned)
                values.append(100 * row["non_code_fraction"].iloc[0] if not row.empty else np.nan)
                sds.append(100 * row["non_code_fraction_sd"].iloc[0] if not row.empty else 0)
            ax.bar(np.arange(len(settings)) + (j - (len(models) - 1) / 2) * width, values, width, yerr=sds,
                   label=model + (" (RFT)" if finetuned else ""), **ERRORBAR)
        ax.set_xticks(np.arange(len(settings)), [s[0] for s in settings])
        ax.set_ylabel("non-code share (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{dataset}, no prompt" + ("" if tuned else "\nnot in this run: RFT model"), fontsize=6)
        ax.legend(frameon=False, fontsize=5, loc="upper right")
    return save(fig, out_prefix)
