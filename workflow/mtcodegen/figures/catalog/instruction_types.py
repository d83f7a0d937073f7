"""pass@1 per instruction prompt, with no reasoning prompt (single turn, base models), one panel per test
dataset, one bar per model, 95% problem-bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..groups import NO_PROMPT, test_only
from ..parts import errorbars, shared_legend
from ..selection import cell_rows
from ..style import ERRORBAR, facet_figure, not_in_run, percent_axis, read_table, save, short

CATEGORY = "2. Prompts"


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "pass_at_k")
    rows = test_only(table[(table["turns"] == 1) & (table["reasoning"] == NO_PROMPT) & (table["k"] == 1)
                           & ~table["finetuned"].astype(bool) & ~table["cot_retry"].astype(bool)])
    datasets = sorted(d for d, g in rows.groupby("dataset") if g["instruction"].nunique() >= 2)
    fig, axes = facet_figure(len(datasets), cols=1, panel_height=1.8, width=6.8)
    if not datasets:
        not_in_run(axes[0], "two or more instruction prompts (single turn, no reasoning prompt) on a test split")
        return save(fig, out_prefix)
    for ax, dataset in zip(axes, datasets):
        sub_all = rows[rows["dataset"] == dataset]
        labels = [NO_PROMPT] + sorted(i for i in sub_all["instruction"].astype(str).unique() if i != NO_PROMPT)
        models = sorted(sub_all["model"].astype(str).unique())
        width = 0.8 / len(models)
        for j, model in enumerate(models):
            sub = pd.concat([cell_rows(sub_all, model, dataset, instruction=i) for i in labels])
            sub = sub.set_index("instruction").reindex(labels)
            ax.bar(np.arange(len(labels)) + (j - (len(models) - 1) / 2) * width, 100 * sub["value"], width,
                   yerr=errorbars(sub), **ERRORBAR, label=short(model, 30))
        ax.set_xticks(np.arange(len(labels)), [short(x, 22) for x in labels], rotation=15, ha="right")
        ax.set_ylabel("pass@1 (%)")
        ax.set_title(f"{dataset}: single turn, no reasoning prompt", fontsize=6)
        percent_axis(ax, 100 * sub_all["ci_high"].fillna(sub_all["value"]))
    shared_legend(fig, axes, ncol=4)
    return save(fig, out_prefix)
