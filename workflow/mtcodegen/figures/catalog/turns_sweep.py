"""pass n@k against the maximum number of turns (1, 2, ... 5), no prompt, one line per n@k budget."""

from __future__ import annotations

import pandas as pd

from ..groups import NO_PROMPT, facets, main_multi_turn
from ..parts import facet_title, shared_legend
from ..style import facet_figure, not_in_run, percent_axis, read_table, save

CATEGORY = "1. Multi-turn"


SWEEP_MIN_TURNS = 3  # distinct max-turn counts (single turn included) before a facet counts as a sweep


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


def draw(metrics_dir, out_prefix):
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
