"""The one cell that reports each setting of a (model, dataset): the turn table's rows, also
what the reproduced-vs-reported figure compares with the paper."""

from __future__ import annotations

import pandas as pd

from .groups import facets
from .selection import setting_cells


TABLE_METRICS = ("1@3", "10@100")
TABLE_SETTINGS = ("single-turn", "multi-turn", "multi-turn CoT", "CoT-retry")


def turn_summary(n_at_k: pd.DataFrame, passes: pd.DataFrame, metrics=TABLE_METRICS,
                 settings=TABLE_SETTINGS) -> pd.DataFrame:
    """One row per (model, dataset, setting, metric): the value of the one cell that reports the setting
    (selection.setting_cells), with its name and how its prompt pair was chosen."""
    rows = []
    for finetuned in (False, True):
        for model, dataset in facets(n_at_k, finetuned=finetuned):
            cells, choice = setting_cells(n_at_k, passes, model, dataset)
            for sett in settings:
                for metric in metrics:
                    cell = cells.get(sett)
                    hit = cell[cell["metric"] == metric] if cell is not None else cell
                    label = model + (" (RFT)" if finetuned else "")
                    chosen = choice.describe() if choice and sett in ("multi-turn CoT", "CoT-retry") else ""
                    if hit is None or hit.empty:
                        continue
                    r = hit.iloc[0]
                    rows.append({"model_label": label, "dataset": dataset, "setting": sett, "metric": metric,
                                 "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                                 "name": r["name"], "prompt_choice": chosen})
    columns = ["model_label", "dataset", "setting", "metric", "value", "ci_low", "ci_high", "name", "prompt_choice"]
    return pd.DataFrame(rows, columns=columns)
