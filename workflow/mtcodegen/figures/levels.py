"""pass@1 by difficulty level, in the benchmark's own order (the difficulty figures)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .groups import difficulty_order
from .parts import errorbars
from .style import ERRORBAR, percent_axis


def difficulty_levels(table: pd.DataFrame) -> pd.DataFrame:
    rows = table[(table["grouping"] == "difficulty") & (table["metric"] == "pass@1")].copy()
    rows["group"] = rows["group"].astype(str)
    return rows


def difficulty_bars(ax, bars: list[tuple[str, pd.DataFrame]]) -> list[str]:
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
