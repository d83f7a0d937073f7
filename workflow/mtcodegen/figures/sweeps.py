"""The paper's multi-turn views beyond one grid cell: a max-turns sweep, feedback granularity side by side, and
CoT-retry against plain multi-turn. One stated (model, test dataset) per panel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .groups import NO_PROMPT, facets, feedback_order, main_multi_turn
from .performance import budget_axis, budget_lines, errorbars, facet_title, shared_legend
from .selection import cell_rows, choose
from .style import ERRORBAR, facet_figure, not_in_run, percent_axis, read_table, save

SWEEP_MIN_TURNS = 3  # distinct max-turn counts (single turn included) before a facet counts as a sweep
FEEDBACK_METRICS = ("1@3", "10@100")


def _sweep_cells(facet: pd.DataFrame) -> pd.DataFrame:
    """No-prompt, non-retry base cells of one facet at every max-turns count, one feedback type (the default
    one when present) for the multi-turn counts; the single-turn cell stands for 1 turn."""
    plain = facet[(facet["reasoning"] == NO_PROMPT) & (facet["instruction"] == NO_PROMPT)
                  & ~facet["cot_retry"].astype(bool) & ~facet["finetuned"].astype(bool)]
    multi = main_multi_turn(plain)
    if multi is None:
        return plain.iloc[0:0]
    feedback = multi[1]
    keep = (plain["turns"] == 1) | (plain["feedback"].astype(str) == feedback)
    rows = plain[keep]
    firsts = rows.groupby("turns")["name"].min()  # one cell per turn count
    return rows[rows["name"].isin(firsts)]


def turns_sweep(metrics_dir, out_prefix):
    """pass n@k against the maximum number of turns (1, 2, ... 5), no prompt, one line per n@k budget."""
    table = read_table(metrics_dir, "n_at_k")
    keys = []
    for model, dataset in facets(table):
        cells = _sweep_cells(table[(table["model"] == model) & (table["dataset"] == dataset)])
        if cells["turns"].nunique() >= SWEEP_MIN_TURNS:
            keys.append((model, dataset, cells))
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], f"a max-turns sweep: no-prompt cells at {SWEEP_MIN_TURNS} or more turn counts")
        return save(fig, out_prefix)
    for ax, (model, dataset, cells) in zip(axes, keys):
        for metric, rows in sorted(cells.groupby("metric"), key=lambda kv: (kv[1]["k"].iloc[0], kv[1]["n"].iloc[0])):
            rows = rows.sort_values("turns")
            line, = ax.plot(rows["turns"], 100 * rows["value"], marker="o", ms=2, label=metric)
            ax.fill_between(rows["turns"], 100 * rows["ci_low"], 100 * rows["ci_high"], color=line.get_color(),
                            alpha=0.1)
        feedback = sorted(cells.loc[cells["turns"] > 1, "feedback"].astype(str).unique())
        facet_title(ax, model, dataset, f"no prompt, fb={'/'.join(feedback)}")
        ax.set_xticks(sorted(cells["turns"].unique()))
        ax.set_xlabel("maximum number of turns")
        ax.set_ylabel("pass n@k (%)")
        percent_axis(ax, 100 * cells["ci_high"].fillna(cells["value"]))
    shared_legend(fig, axes, ncol=6)
    return save(fig, out_prefix)


def feedback_types(metrics_dir, out_prefix):
    """Execution-feedback granularity side by side (coarse to fine): n@k of each feedback type at each facet's
    main turn count, one bar group per (model, test dataset); a row without prompts and a row with the chosen
    CoT pair, a column per budget."""
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


def cot_retry_vs_multi(metrics_dir, out_prefix):
    """pass n@k against the budget: plain multi-turn, multi-turn CoT (prompts every turn) and CoT-retry
    (prompts only after a failure) with the chosen pair, and CoT-retry without prompts."""
    table = read_table(metrics_dir, "n_at_k")
    passes = read_table(metrics_dir, "pass_at_k")
    keys = [(m, d) for m, d in facets(table)
            if table[(table["model"] == m) & (table["dataset"] == d)]["cot_retry"].astype(bool).any()]
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "CoT-retry cells (cot_retry: true) of a base model on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        facet = table[(table["model"] == model) & (table["dataset"] == dataset)]
        turns, feedback = main_multi_turn(facet)
        choice = choose(passes, model, dataset)
        at = {"turns": turns, "feedback": feedback}
        curves = [("multi-turn, no prompt", cell_rows(table, model, dataset, **at)),
                  ("CoT-retry, no prompt", cell_rows(table, model, dataset, cot_retry=True, **at))]
        if choice:
            pair = {"reasoning": choice.reasoning, "instruction": choice.instruction}
            curves += [("multi-turn CoT (chosen pair)", cell_rows(table, model, dataset, **at, **pair)),
                       ("CoT-retry (chosen pair)", cell_rows(table, model, dataset, cot_retry=True, **at, **pair))]
        shown = pd.concat([rows for _, rows in curves])
        for label, rows in curves:
            if not rows.empty:
                budget_lines(ax, rows, label, "--" if "retry" in label else "-")
        missing = [label for label, rows in curves if rows.empty]
        facet_title(ax, model, dataset, f"t={turns} fb={feedback}" + (f"; CoT {choice.describe()}" if choice else "")
                    + (f"\nnot in this run: {', '.join(missing)}" if missing else ""))
        budget_axis(ax, shown)
    shared_legend(fig, axes, ncol=2)
    return save(fig, out_prefix)
