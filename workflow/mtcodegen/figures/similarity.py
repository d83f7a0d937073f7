"""The similarity of consecutive attempts, as the similarity figures read and draw it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .groups import NO_PROMPT, test_only
from .style import read_table


BINS = np.linspace(0, 1, 21)


def density(ax, values: pd.Series, label: str) -> None:
    """A normalized histogram drawn as a step line: honest for a few dozen values, where a KDE would invent."""
    density, edges = np.histogram(values, bins=BINS, density=True)
    ax.stairs(density, edges, label=f"{label} (n={len(values)})")


SIMILARITY_COLUMNS = ("name", "model", "dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry",
                      "finetuned", "similarity")


def plain_similarity(metrics_dir) -> pd.DataFrame:
    """The similarity rows of no-prompt, non-retry cells on test splits (the only ones these figures draw):
    the table has a row per pair of consecutive attempts, so only the needed columns are read."""
    table = read_table(metrics_dir, "similarity", columns=SIMILARITY_COLUMNS)
    table = table[(table["reasoning"] == NO_PROMPT) & (table["instruction"] == NO_PROMPT)
                  & ~table["cot_retry"].astype(bool)]
    return test_only(table)


def similarity_axes(ax) -> None:
    ax.set_xlabel("similarity of consecutive attempts (token difflib ratio)", fontsize=5)
    ax.set_ylabel("density")
    ax.legend(frameon=False, loc="upper left", fontsize=5)
