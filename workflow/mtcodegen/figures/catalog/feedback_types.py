"""Execution-feedback granularity side by side (coarse to fine): n@k of each feedback type at each facet's
main turn count, one bar group per (model, test dataset); a row without prompts and a row with the chosen
CoT pair, a column per budget."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..groups import facets, feedback_order, main_multi_turn
from ..parts import errorbars, shared_legend
from ..selection import cell_rows, choose
from ..style import ERRORBAR, facet_figure, not_in_run, percent_axis, read_table, save

CATEGORY = "1. Multi-turn"


FEEDBACK_METRICS = ("1@3", "10@100")


def draw(metrics_dir, out_prefix):
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    keys = []
    for model, dataset in facets(table):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset) & ~table["cot_retry"].astype(bool)
                      & ~table["finetuned"].astype(bool)]
        multi = main_multi_turn(facet)
        if multi and facet.loc[facet["turns"] == multi[0], "feedback"].nunique() >= 2:
            keys.append((model, dataset, multi[0]))
    rows_of = ("no prompt", "chosen CoT pair")
    fig, axes = facet_figure(len(rows_of) * len(FEEDBACK_METRICS) if keys else 0, cols=len(FEEDBACK_METRICS),
                             panel_height=1.9)
    if not keys:
        not_in_run(axes[0], "multi-turn cells of two or more feedback types for one model and test dataset")
        return save(fig, out_prefix)
    types = feedback_order(table.loc[table["turns"] > 1, "feedback"].unique())
    width = 0.8 / len(types)
    marks = {}
    for ax, (series, metric) in zip(axes, [(r, m) for r in rows_of for m in FEEDBACK_METRICS]):
        values = {fb: [] for fb in types}
        for model, dataset, turns in keys:
            choice = choose(passes, model, dataset)
            marks[(model, dataset)] = "" if choice is None or choice.on_validation else " *"
            pair = {} if series == "no prompt" else (
                {"reasoning": choice.reasoning, "instruction": choice.instruction} if choice else None)
            for fb in types:
                rows = cell_rows(table, model, dataset, turns=turns, feedback=fb, **pair) \
                    if pair is not None else table.iloc[0:0]
                values[fb].append(rows[rows["metric"] == metric].head(1))
        tops = []
        for j, fb in enumerate(types):
            frame = pd.concat(values[fb]) if any(not v.empty for v in values[fb]) else None
            heights = [100 * v["value"].item() if not v.empty else np.nan for v in values[fb]]
            err = np.hstack([errorbars(v) if not v.empty else np.zeros((2, 1)) for v in values[fb]])
            ax.bar(np.arange(len(keys)) + (j - (len(types) - 1) / 2) * width, heights, width, yerr=err,
                   label=fb, **ERRORBAR)
            if frame is not None:
                tops += list(100 * frame["ci_high"].fillna(frame["value"]))
        ax.set_xticks(np.arange(len(keys)), [f"{m}{marks[(m, d)] if series != 'no prompt' else ''}\n{d}"
                                             for m, d, t in keys], fontsize=4, rotation=35, ha="right")
        ax.set_ylabel(f"{metric} (%)")
        turns = "/".join(str(t) for t in sorted({t for _, _, t in keys}))
        note = "; * no validation cells: pair is the max on test" if series != "no prompt" and any(marks.values()) \
            else ""
        ax.set_title(f"{metric}, {series}, {turns} turns{note}", fontsize=5)
        percent_axis(ax, tops)
        if not tops:
            ax.text(0.5, 0.5, f"not in this run: {metric}", transform=ax.transAxes, ha="center", color="0.35")
    shared_legend(fig, axes, ncol=len(types))
    return save(fig, out_prefix)
