"""Single-turn vs multi-turn vs multi-turn CoT vs CoT-retry at equal attempt budgets (1@3, 10@100), one
stated cell each, as a figure plus CSV and markdown."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...jsonl import atomic_path
from ..parts import errorbars, shared_legend
from ..style import COLUMN_WIDTH, ERRORBAR, PAGE_WIDTH, figure, not_in_run, percent_axis, read_table, save, short
from ..summary import TABLE_METRICS, TABLE_SETTINGS, turn_summary

CATEGORY = "1. Multi-turn"

# The same numbers as a table: the CSV is shown in the report, the markdown is for pasting.
EXTRA_OUTPUTS = {"csv": True, "md": False}


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    summary = turn_summary(table, passes)
    out_prefix = Path(out_prefix)
    out_prefix.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_prefix.with_name(out_prefix.name + ".csv"), suffix=".csv") as tmp:
        summary.to_csv(tmp, index=False)
    lines = ["| model | dataset | setting | " + " | ".join(TABLE_METRICS) + " | prompts |",
             "|---|---|---|" + "---|" * len(TABLE_METRICS) + "---|"]
    for (model, dataset, sett), rows in summary.groupby(["model_label", "dataset", "setting"], sort=False):
        cells = []
        for metric in TABLE_METRICS:
            row = rows[rows["metric"] == metric]
            cells.append("not in this run" if row.empty else
                         f"{100 * row['value'].item():.1f} [{100 * row['ci_low'].item():.1f}, "
                         f"{100 * row['ci_high'].item():.1f}]")
        lines.append(f"| {model} | {dataset} | {sett} | " + " | ".join(cells) + f" | {rows['prompt_choice'].iloc[0]} |")
    if summary.empty:
        lines.append("| not in this run: no 1@3 or 10@100 row | | | " + " | " * len(TABLE_METRICS))
    with atomic_path(out_prefix.with_name(out_prefix.name + ".md"), suffix=".md") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")

    groups = list(dict.fromkeys(zip(summary["model_label"], summary["dataset"])))
    fig, axes = figure(len(TABLE_METRICS), 1, height=0.6 + 1.9 * len(TABLE_METRICS),
                       width=COLUMN_WIDTH if len(groups) <= 3 else PAGE_WIDTH)
    width = 0.8 / len(TABLE_SETTINGS)
    for ax, metric in zip(axes[:, 0], TABLE_METRICS):
        rows = summary[summary["metric"] == metric]
        if rows.empty:
            not_in_run(ax, f"{metric}: no cell with this budget (budget above samples × turns, or not configured)")
            continue
        for j, sett in enumerate(TABLE_SETTINGS):
            sub = rows[rows["setting"] == sett].set_index(["model_label", "dataset"]).reindex(groups)
            x = np.arange(len(groups)) + (j - (len(TABLE_SETTINGS) - 1) / 2) * width
            ax.bar(x, 100 * sub["value"], width, yerr=errorbars(sub),
                   label=sett if sub["value"].notna().any() else None, **ERRORBAR)
        test_max = set(zip(*[summary.loc[summary["prompt_choice"].str.contains("max on test"), c]
                             for c in ("model_label", "dataset")]))
        ax.set_xticks(np.arange(len(groups)), [f"{short(m, 24)}{' *' if (m, d) in test_max else ''}\n{short(d, 24)}"
                                               for m, d in groups], fontsize=5,
                      rotation=25 if len(groups) > 4 else 0, ha="right" if len(groups) > 4 else "center")
        ax.set_title(metric)
        ax.set_ylabel("solve rate (%)")
        percent_axis(ax, 100 * rows["ci_high"].fillna(rows["value"]))
    if not summary.empty and summary["prompt_choice"].str.contains("max on test").any():
        axes[0, 0].set_title(f"{TABLE_METRICS[0]}   (* no validation cells: CoT pair is the max on test)")
    shared_legend(fig, list(axes[:, 0]), ncol=4)
    return save(fig, out_prefix)
