"""Our value against the paper's for every reference row whose (metric, setting, dataset) this run has."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..groups import SETTINGS
from ..reference import read_reference
from ..style import figure, not_in_run, read_table, save, short
from ..summary import turn_summary

CATEGORY = "5. Reference"

READS = ("metrics", "reference")


def draw(metrics_dir, out_prefix, reference: str | Path):
    ref = read_reference(reference)
    n_at_k = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    # The one cell that reports each setting (prompt pairs chosen on validation), never the best cell on test.
    metrics = sorted(set(ref["metric"].astype(str)))
    ours = pd.concat([turn_summary(n_at_k, passes, metrics=metrics, settings=SETTINGS),
                      turn_summary(passes, passes, metrics=metrics, settings=SETTINGS)], ignore_index=True)
    fig, axes = figure()
    ax = axes[0, 0]
    pairs = []
    for _, row in ref.iterrows():
        match = ours[(ours["metric"] == row["metric"]) & (ours["setting"] == row["setting"])
                     & (ours["dataset"].astype(str).str.startswith(str(row["dataset"])))]
        if (match["model_label"] == str(row["model"])).any():
            match = match[match["model_label"] == str(row["model"])]
        for _, hit in match.iterrows():
            pairs.append((float(row["value"]), 100 * hit["value"], f"{row['metric']} {hit['model_label']}"))
    if not pairs:
        reason = "no reference rows (see workflow/report/reference.csv)" if ref.empty else \
            "a cell matching a reference row's metric, setting and dataset"
        not_in_run(ax, reason)
        return save(fig, out_prefix)
    reported, reproduced, labels = map(list, zip(*pairs))
    ax.scatter(reported, reproduced, s=10)
    for x, y, text in pairs:
        ax.annotate(short(text, 24), (x, y), fontsize=5, xytext=(2, 2), textcoords="offset points")
    top = max(reported + reproduced + [1]) * 1.05
    ax.plot([0, top], [0, top], color="0.5", lw=0.6, ls="--")
    ax.set_xlabel("reported in the paper (%)")
    ax.set_ylabel("reproduced here (%)")
    return save(fig, out_prefix)
