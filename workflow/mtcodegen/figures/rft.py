"""The panels of the RFT views (n@k curves, non-code share, attempt similarity): one stated base model and test
dataset each, with its RFT model when the run has one, and what to say when the RFT model's cells were skipped
(an empty RFT set trains nothing: mtcodegen.skipped, the metrics' skipped.csv)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .groups import facets, main_multi_turn, rft_bases

# A cell's name is <model>.<dataset with / as ->.r=<reasoning>.i=<instruction>.fb=<feedback>.t=<turns>[.retry]
# (plan.py); skipped.csv names the cell only, and model names may hold dots (llama3.1_8b).
_CELL_NAME = re.compile(r"^(?P<model>.+)\.[^.]+\.r=[^.]*\.i=[^.]*\.fb=[^.]*\.t=\d+(?:\.retry)?$")


def skipped_models(metrics_dir: str | Path) -> dict[str, str]:
    """Model -> why its cells have no rows (first reason by cell name), from skipped.csv; empty when every
    cell was scored or the tables predate skipped.csv."""
    path = Path(metrics_dir) / "skipped.csv"
    if not path.exists():
        return {}
    table = pd.read_csv(path)
    missing = [c for c in ("cell", "reason") if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: skipped table lacks column(s) {', '.join(missing)}")
    out: dict[str, str] = {}
    for _, row in table.sort_values("cell").iterrows():
        match = _CELL_NAME.match(str(row["cell"]))
        model = str(row["model"]) if "model" in table.columns else (match["model"] if match else str(row["cell"]))
        out.setdefault(model, str(row["reason"]))
    return out


def skipped_note(skipped: dict[str, str]) -> str:
    """The text a panel shows instead of the RFT model's data."""
    if not skipped:
        return "not in this run: RFT model"
    return "; ".join(f"RFT model {model} skipped: {reason}" for model, reason in sorted(skipped.items()))


@dataclass(frozen=True)
class Panel:
    base: str
    dataset: str
    tuned: str | None  # the RFT model of ``base``, None when the run has none for this dataset
    turns: int  # the setting both are compared at
    feedback: str | None  # None: single turn

    @property
    def setting(self) -> str:
        return "single turn" if self.turns == 1 else f"{self.turns} turns, fb={self.feedback}"


def _setting(cells: pd.DataFrame) -> tuple[int, str | None]:
    multi = main_multi_turn(cells)
    return multi if multi else (1, None)


def rft_panels(table: pd.DataFrame, multi_turn_only: bool = False) -> list[Panel]:
    """One panel per (RFT model's base, test dataset the RFT model ran), at the RFT model's main multi-turn
    setting (its single turn when it ran only that). A run without any RFT cells gets one panel per (base
    model, test dataset) at the base model's main setting, so that the base model's side is still shown.
    ``multi_turn_only``: settings of one turn are left out (attempt similarity needs two attempts)."""
    if table.empty:
        return []
    plain = table[(table["reasoning"].astype(str) == "none") & (table["instruction"].astype(str) == "none")
                  & ~table["cot_retry"].astype(bool)]
    panels = []
    for tuned, base in rft_bases(table).items():
        for _, dataset in [key for key in facets(table, finetuned=True) if key[0] == tuned]:
            cells = plain[(plain["model"].astype(str) == tuned) & (plain["dataset"].astype(str) == dataset)]
            panels.append(Panel(base, dataset, tuned, *_setting(cells)))
    if not panels:
        for base, dataset in facets(table):
            cells = plain[(plain["model"].astype(str) == base) & (plain["dataset"].astype(str) == dataset)
                          & ~plain["finetuned"].astype(bool)]
            panels.append(Panel(base, dataset, None, *_setting(cells)))
    return [p for p in panels if p.turns > 1 or not multi_turn_only]
