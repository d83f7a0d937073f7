"""Choosing a prompt combination without looking at the test split, and the one cell each setting reports.

The maximum over many cells on test is biased upwards (among 63 statistically identical cells, by +2.3
points at pass@100): the paper chooses its reasoning x instruction pair on a validation split and reports that
pair on test. Here: for each model, the single-turn (reasoning, instruction) pair with a prompt that scores best
on the model's validation split (the same source's split when it has one, e.g. code_contests/valid for
code_contests/test; else the model's first validation split by name), by the selection metric; ties go to the
first pair in (reasoning, instruction) name order. A model without any validation cell falls back to the
maximum on test, and every figure marks such a choice "max on test".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .groups import NO_PROMPT, has_prompt, is_validation, source_of

SELECTION_METRIC = "pass@1"  # what multi-turn figures choose their pair by (single-turn, on validation)


@dataclass(frozen=True)
class Choice:
    model: str
    dataset: str  # the test dataset the choice is reported on
    reasoning: str
    instruction: str
    chosen_on: str  # the validation dataset, or "test"
    metric: str
    score: float  # the selection metric on the split it was chosen on

    @property
    def on_validation(self) -> bool:
        return self.chosen_on != "test"

    @property
    def pair(self) -> str:
        return f"r={self.reasoning} i={self.instruction}"

    def describe(self) -> str:
        where = f"chosen on {self.chosen_on}" if self.on_validation else "max on test, no validation cells"
        return f"{self.pair} ({where})"


def _candidates(pass_table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Single-turn, base-model, non-retry cells with a prompt, at ``metric``."""
    t = pass_table
    rows = t[(t["metric"] == metric) & (t["turns"] == 1) & ~t["finetuned"].astype(bool) & ~t["cot_retry"].astype(bool)]
    return rows[has_prompt(rows)]


def _best(rows: pd.DataFrame) -> pd.Series:
    # Highest score; a tie goes to the first (reasoning, instruction) in name order, never to the row order.
    ranked = rows.assign(_r=rows["reasoning"].astype(str), _i=rows["instruction"].astype(str))
    return ranked.sort_values(["value", "_r", "_i"], ascending=[False, True, True], kind="mergesort").iloc[0]


def choose(pass_table: pd.DataFrame, model: str, dataset: str, metric: str = SELECTION_METRIC) -> Choice | None:
    """The pair that (model, test dataset) reports, chosen on validation when the model has validation cells."""
    cands = _candidates(pass_table, metric)
    cands = cands[cands["model"].astype(str) == str(model)]
    if cands.empty:
        return None
    valid = cands[is_validation(cands["dataset"])]
    if not valid.empty:
        splits = sorted(valid["dataset"].astype(str).unique())
        same = [s for s in splits if source_of(s) == source_of(dataset)]
        split = (same or splits)[0]
        best = _best(valid[valid["dataset"].astype(str) == split])
        return Choice(str(model), str(dataset), str(best["reasoning"]), str(best["instruction"]), split, metric,
                      float(best["value"]))
    test = cands[cands["dataset"].astype(str) == str(dataset)]
    if test.empty:
        return None
    best = _best(test)
    return Choice(str(model), str(dataset), str(best["reasoning"]), str(best["instruction"]), "test", metric,
                  float(best["value"]))


def cell_rows(table: pd.DataFrame, model: str, dataset: str, *, turns: int | None = None, reasoning: str = NO_PROMPT,
              instruction: str = NO_PROMPT, feedback: str | None = None, cot_retry: bool = False,
              finetuned: bool = False) -> pd.DataFrame:
    """The rows of exactly one cell given by its coordinates (``turns`` None: single turn); empty if absent."""
    t = table
    keep = ((t["model"].astype(str) == str(model)) & (t["dataset"].astype(str) == str(dataset))
            & (t["reasoning"].astype(str) == reasoning) & (t["instruction"].astype(str) == instruction)
            & (t["cot_retry"].astype(bool) == cot_retry) & (t["finetuned"].astype(bool) == finetuned)
            & (t["turns"] == (turns or 1)))
    if feedback is not None and turns not in (None, 1):
        keep &= t["feedback"].astype(str) == feedback
    rows = t[keep]
    if rows.empty:
        return rows
    # Single-turn cells of several feedback types are the same generation; keep one cell (first by name).
    return rows[rows["name"] == sorted(rows["name"].unique())[0]]


def setting_cells(table: pd.DataFrame, pass_table: pd.DataFrame, model: str, dataset: str,
                  metric: str = SELECTION_METRIC) -> tuple[dict[str, pd.DataFrame], Choice | None]:
    """Setting -> the rows of the one cell that reports it for (model, dataset), and the prompt choice:
    single-turn / multi-turn without prompts, "... CoT" and CoT-retry with the chosen pair, multi-turn at the
    facet's main (turns, feedback) (groups.main_multi_turn)."""
    from .groups import main_multi_turn

    facet = table[(table["model"].astype(str) == str(model)) & (table["dataset"].astype(str) == str(dataset))]
    tuned = bool(facet["finetuned"].astype(bool).any())  # an RFT model's cells: no validation choice of its own
    choice = None if tuned else choose(pass_table, model, dataset, metric)
    out = {"single-turn": cell_rows(table, model, dataset, finetuned=tuned)}
    if choice:
        out["single-turn CoT"] = cell_rows(table, model, dataset, reasoning=choice.reasoning,
                                           instruction=choice.instruction)
    multi = main_multi_turn(facet)
    if multi:
        turns, feedback = multi
        out["multi-turn"] = cell_rows(table, model, dataset, turns=turns, feedback=feedback, finetuned=tuned)
        if choice:
            pair = {"reasoning": choice.reasoning, "instruction": choice.instruction}
            out["multi-turn CoT"] = cell_rows(table, model, dataset, turns=turns, feedback=feedback, **pair)
            out["CoT-retry"] = cell_rows(table, model, dataset, turns=turns, feedback=feedback, cot_retry=True,
                                         **pair)
    return {k: v for k, v in out.items() if not v.empty}, choice
