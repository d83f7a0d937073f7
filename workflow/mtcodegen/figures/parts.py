"""Pieces of panels that several figures draw: error bars, titles, legends, n@k budget curves."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from .style import percent_axis, short


def errorbars(frame: pd.DataFrame) -> np.ndarray:
    low = (frame["value"] - frame["ci_low"]).clip(lower=0)
    high = (frame["ci_high"] - frame["value"]).clip(lower=0)
    return 100 * np.vstack([low.fillna(0), high.fillna(0)])


def facet_title(ax, model: str, dataset: str, extra: str = "") -> None:
    """The panel's stated (model, dataset), then what it draws, wrapped to the panel's width."""
    cols = ax.get_subplotspec().get_gridspec().ncols
    width = max(30, int(ax.figure.get_figwidth() / cols * 17))  # ~17 characters per inch at 5 pt
    lines = [f"{short(model, 30)}, {short(dataset, 30)}"]
    for part in extra.split("\n") if extra else []:
        lines += textwrap.wrap(part, width)
    ax.set_title("\n".join(lines), fontsize=5)


def shared_legend(fig, axes, ncol: int = 3) -> None:
    handles = {label: h for ax in axes for h, label in zip(*ax.get_legend_handles_labels())}
    if handles:
        fits = max(1, int(fig.get_figwidth() / 1.6))  # about one entry per 1.6 inch
        fig.legend(handles.values(), handles.keys(), frameon=False, loc="outside upper center",
                   ncol=min(ncol, len(handles), fits), fontsize=6)


def budget_lines(ax, rows: pd.DataFrame, label: str, style: str = "-"):
    """pass n@k against k: one line through the budgets of the most common ratio k/n (1@3, 10@30, 33@100,
    100@300), the other budgets (10@100) as unconnected markers of the same colour."""
    rows = rows.sort_values(["k", "n"])
    ratio = rows["k"] / rows["n"]
    main = ratio.round(6).mode().min()
    on = ratio.round(6) == main
    line, = ax.plot(rows.loc[on, "k"], 100 * rows.loc[on, "value"], marker="o", ms=2, ls=style, label=label)
    ax.fill_between(rows.loc[on, "k"], 100 * rows.loc[on, "ci_low"], 100 * rows.loc[on, "ci_high"],
                    color=line.get_color(), alpha=0.1)
    if (~on).any():
        ax.errorbar(rows.loc[~on, "k"], 100 * rows.loc[~on, "value"], yerr=errorbars(rows[~on]), fmt="D", ms=2.5,
                    color=line.get_color(), elinewidth=0.6, capsize=1.5)
    return line


def budget_axis(ax, shown: pd.DataFrame) -> None:
    ax.set_xscale("log")
    ticks = shown.groupby("k")["metric"].agg(lambda m: "/".join(sorted(set(m)))).sort_index()
    ax.set_xticks(ticks.index, [t.replace("/", "\n") for t in ticks.to_list()], fontsize=5)
    ax.minorticks_off()
    ax.set_xlabel("n@k: n submissions from k attempts (log; ◆ off the k = 3n line)", fontsize=5)
    ax.set_ylabel("pass n@k (%)")
    percent_axis(ax, 100 * shown["ci_high"].fillna(shown["value"]))
