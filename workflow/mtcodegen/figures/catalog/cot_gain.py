"""Chosen single-turn CoT pair minus the no-prompt cell on test, per (model, dataset), for pass@1 and the
largest pass@k; the pair is chosen on validation by the same pass@k."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..groups import facets
from ..selection import cell_rows, choose
from ..style import COLUMN_WIDTH, PAGE_WIDTH, figure, not_in_run, read_table, save, short

CATEGORY = "2. Prompts"


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "pass_at_k")
    rows = []
    ks = sorted(table["k"].unique())
    ks = [ks[0], ks[-1]] if len(ks) > 1 else ks
    for model, dataset in facets(table[table["turns"] == 1]):
        for k in ks:
            choice = choose(table, model, dataset, f"pass@{k}")
            plain = cell_rows(table, model, dataset)
            plain = plain[plain["k"] == k]
            if choice is None or plain.empty:
                continue
            cot = cell_rows(table, model, dataset, reasoning=choice.reasoning, instruction=choice.instruction)
            cot = cot[cot["k"] == k]
            if cot.empty:
                continue
            rows.append((model, dataset, k, 100 * (cot["value"].item() - plain["value"].item()),
                         choice.on_validation))
    gains = pd.DataFrame(rows, columns=["model", "dataset", "k", "gain", "validated"])
    labels = list(dict.fromkeys(zip(gains["model"], gains["dataset"])))
    fig, axes = figure(width=COLUMN_WIDTH if len(labels) <= 3 else PAGE_WIDTH, height=2.4)
    ax = axes[0, 0]
    if not rows:
        not_in_run(ax, "single-turn cells with and without CoT prompts for one model and test dataset")
        return save(fig, out_prefix)
    width = min(0.8 / len(ks), 0.3)
    for j, k in enumerate(ks):
        sub = gains[gains["k"] == k].set_index(["model", "dataset"]).reindex(labels)
        ax.bar(np.arange(len(labels)) + (j - (len(ks) - 1) / 2) * width, sub["gain"], width, label=f"pass@{k}",
               hatch=None)
    marks = gains.groupby(["model", "dataset"], sort=False)["validated"].all()
    ax.axhline(0, color="0.3", lw=0.6)
    ax.set_xticks(np.arange(len(labels)), [f"{short(m, 18)}{'' if marks[(m, d)] else ' *'}\n{short(d, 18)}"
                                           for m, d in labels], fontsize=5)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.set_ylabel("CoT gain on test (percentage points)")
    if not marks.all():
        ax.set_title("* no validation cells for this model: pair is the max on test (biased upwards)", fontsize=5)
    fig.legend(*ax.get_legend_handles_labels(), frameon=False, loc="outside upper center", ncol=len(ks))
    return save(fig, out_prefix)
