"""pass@1 by difficulty level, in the benchmark's own order: with and without CoT, and before and after RFT."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .groups import difficulty_order, facets, main_multi_turn, rft_bases
from .performance import errorbars, facet_title, shared_legend
from .selection import cell_rows, choose
from .style import ERRORBAR, facet_figure, not_in_run, percent_axis, read_table, save


def _levels(table: pd.DataFrame) -> pd.DataFrame:
    rows = table[(table["grouping"] == "difficulty") & (table["metric"] == "pass@1")].copy()
    rows["group"] = rows["group"].astype(str)
    return rows


def _bars(ax, bars: list[tuple[str, pd.DataFrame]]) -> list[str]:
    """Grouped bars per difficulty level; the levels of every bar set, in the benchmark's order."""
    present = [rows for _, rows in bars if not rows.empty]
    levels = difficulty_order(pd.concat(present)["group"]) if present else []
    width = 0.8 / max(1, len(bars))
    for j, (label, rows) in enumerate(bars):
        if rows.empty:
            continue
        sub = rows.drop_duplicates("group").set_index("group").reindex(levels)
        ax.bar(np.arange(len(levels)) + (j - (len(bars) - 1) / 2) * width, 100 * sub["value"], width,
               yerr=errorbars(sub), **ERRORBAR, label=label)
    ax.set_xticks(np.arange(len(levels)), levels, fontsize=5, rotation=30 if len(levels) > 6 else 0)
    ax.set_ylabel("pass@1 (%)")
    tops = pd.concat(present) if present else pd.DataFrame({"ci_high": [], "value": []})
    percent_axis(ax, 100 * tops["ci_high"].fillna(tops["value"]))
    return levels


def difficulty_cot(metrics_dir, out_prefix):
    """pass@1 per difficulty level, single turn, per (base model, test dataset): no prompt vs the pair chosen on
    validation (pass@1)."""
    table = _levels(read_table(metrics_dir, "per_difficulty"))
    passes = read_table(metrics_dir, "pass_at_k")
    keys = [key for key in facets(table[table["turns"] == 1]) if choose(passes, *key)]
    fig, axes = facet_figure(len(keys))
    if not keys:
        not_in_run(axes[0], "single-turn cells with and without CoT prompts of one model on a test split")
        return save(fig, out_prefix)
    for ax, (model, dataset) in zip(axes, keys):
        choice = choose(passes, model, dataset)
        bars = [("no prompt", cell_rows(table, model, dataset)),
                ("chosen CoT pair", cell_rows(table, model, dataset, reasoning=choice.reasoning,
                                              instruction=choice.instruction))]
        _bars(ax, bars)
        facet_title(ax, model, dataset, f"single turn; CoT {choice.describe()}")
    shared_legend(fig, axes)
    return save(fig, out_prefix)


def difficulty_rft(metrics_dir, out_prefix):
    """pass@1 per difficulty level before and after RFT (no prompts), per test dataset and turn setting."""
    table = _levels(read_table(metrics_dir, "per_difficulty"))
    panels = []  # (base, tuned, dataset, turns, feedback)
    for tuned, base in rft_bases(table).items():
        for _, dataset in [k for k in facets(table, finetuned=True) if k[0] == tuned]:
            facet = table[(table["model"] == tuned) & (table["dataset"] == dataset)]
            settings = [(1, None)] if (facet["turns"] == 1).any() else []
            multi = main_multi_turn(facet)
            panels += [(base, tuned, dataset, t, fb) for t, fb in settings + ([multi] if multi else [])]
    fig, axes = facet_figure(len(panels))
    if not panels:
        not_in_run(axes[0], "an RFT model and its base model on a test split with difficulty levels")
        return save(fig, out_prefix)
    for ax, (base, tuned, dataset, turns, feedback) in zip(axes, panels):
        bars = [("base model", cell_rows(table, base, dataset, turns=turns, feedback=feedback)),
                ("RFT model", cell_rows(table, tuned, dataset, turns=turns, feedback=feedback, finetuned=True))]
        _bars(ax, bars)
        where = "single turn" if turns == 1 else f"{turns} turns, fb={feedback}"
        missing = [label for label, rows in bars if rows.empty]
        facet_title(ax, base, dataset, f"{where}, no prompt; RFT: {tuned}"
                    + (f"\nnot in this run: {', '.join(missing)}" if missing else ""))
    shared_legend(fig, axes)
    return save(fig, out_prefix)
