"""How figures group cells: the paper's settings, base vs RFT, test vs validation splits, difficulty order.

The paper keeps its comparisons apart (one model and dataset at a time), so figures never pool across these
columns: every helper here works on the rows of one (model, dataset) facet, or says which facets exist.
"""

from __future__ import annotations

import re

import pandas as pd

NO_PROMPT = "none"
# The paper's default execution feedback for its multi-turn comparisons (the feedback-type figure draws all).
DEFAULT_FEEDBACK = "failed_tests"
# Feedback from least to most information (the paper's table of feedback granularities).
FEEDBACK_ORDER = ("binary", "failed_tests", "failed_and_passed_tests", "ldb_function", "ldb_block", "ldb_line")
VALIDATION_SPLITS = ("valid", "validation", "val", "dev")

SETTINGS = ("single-turn", "single-turn CoT", "multi-turn", "multi-turn CoT", "CoT-retry", "CoT-retry, no prompt")


def has_prompt(frame: pd.DataFrame) -> pd.Series:
    """A cell prompts for reasoning when it has a reasoning or an instruction prompt other than ``none``."""
    return (frame["reasoning"].astype(str) != NO_PROMPT) | (frame["instruction"].astype(str) != NO_PROMPT)


def uses_cot(frame: pd.DataFrame) -> pd.Series:
    """CoT = a reasoning or instruction prompt. CoT-retry with no prompt is a plain retry: its later turns have
    no prompt to add (prompts/cot_retry.yaml), so it is not CoT."""
    return has_prompt(frame)


def setting(frame: pd.DataFrame) -> pd.Series:
    """The paper's settings; CoT-retry cells are their own setting, never "multi-turn CoT"."""
    multi = frame["turns"] > 1
    cot = has_prompt(frame)
    retry = frame["cot_retry"].astype(bool)
    out = pd.Series("single-turn", index=frame.index)
    out[~multi & cot] = "single-turn CoT"
    out[multi & ~cot] = "multi-turn"
    out[multi & cot] = "multi-turn CoT"
    out[retry & cot] = "CoT-retry"
    out[retry & ~cot] = "CoT-retry, no prompt"
    return out


def model_label(frame: pd.DataFrame) -> pd.Series:
    return frame["model"].astype(str) + frame["finetuned"].astype(bool).map({True: " (RFT)", False: ""})


def family(frame: pd.DataFrame) -> pd.Series:
    """base / base + CoT / RFT: the three curves of the n@k figure."""
    out = pd.Series("base", index=frame.index)
    out[uses_cot(frame)] = "base + CoT"
    out[frame["finetuned"].astype(bool)] = "RFT"
    return out


def is_validation(dataset: pd.Series) -> pd.Series:
    """Datasets named ``<source>/<split>`` whose split is a validation split (e.g. code_contests/valid)."""
    return dataset.astype(str).str.rsplit("/", n=1).str[-1].str.lower().isin(VALIDATION_SPLITS)


def source_of(dataset: str) -> str:
    return str(dataset).rsplit("/", 1)[0]


def test_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a figure reports: validation splits are for choosing prompts, never for reporting."""
    return frame[~is_validation(frame["dataset"])] if not frame.empty else frame


def facets(frame: pd.DataFrame, finetuned: bool | None = False) -> list[tuple[str, str]]:
    """The (model, dataset) pairs of the reported (test) rows, in a stable order: dataset, then model."""
    rows = test_only(frame)
    if finetuned is not None and not rows.empty:
        rows = rows[rows["finetuned"].astype(bool) == finetuned]
    pairs = rows[["model", "dataset"]].astype(str).drop_duplicates().itertuples(index=False, name=None)
    return sorted(pairs, key=lambda p: (p[1], p[0]))


def rft_bases(frame: pd.DataFrame) -> dict[str, str]:
    """Finetuned model -> the base model it was trained from, as far as the tables tell: the longest base
    model name inside the finetuned model's name (rft_llama3.1_70b -> llama3.1_70b), else the only base model,
    else the base model with the most cells. The tables carry no base column; figures state the pairing."""
    base = sorted(frame.loc[~frame["finetuned"].astype(bool), "model"].astype(str).unique())
    counts = frame.loc[~frame["finetuned"].astype(bool), "model"].astype(str).value_counts()
    out = {}
    for tuned in sorted(frame.loc[frame["finetuned"].astype(bool), "model"].astype(str).unique()):
        inside = [b for b in base if b in tuned]
        if inside:
            out[tuned] = max(inside, key=len)
        elif base:
            out[tuned] = max(base, key=lambda b: (counts[b], b)) if len(base) > 1 else base[0]
    return out


def main_multi_turn(rows: pd.DataFrame) -> tuple[int, str] | None:
    """(turns, feedback) of a facet's main multi-turn setting: the most common turn count above one (the
    fewest on a tie; a max-turns sweep adds a few cells of other counts) and the paper's default feedback when
    the facet has it, else the first feedback type in name order."""
    multi = rows[rows["turns"] > 1]
    if multi.empty:
        return None
    per_cell = multi.drop_duplicates("name")
    counts = per_cell["turns"].value_counts()
    turns = int(min(counts[counts == counts.max()].index))
    feedbacks = sorted(per_cell.loc[per_cell["turns"] == turns, "feedback"].astype(str).unique())
    return turns, DEFAULT_FEEDBACK if DEFAULT_FEEDBACK in feedbacks else feedbacks[0]


# The benchmarks' own difficulty scales. TACO: EASY < MEDIUM < MEDIUM_HARD < HARD < VERY_HARD; CodeContests'
# named levels (EASY < MEDIUM < HARD < HARDER < HARDEST) and problem letters A < B < ... (A1 < A2 < B);
# APPS: introductory < interview < competition; rating bands by their lower bound; unknown levels last.
NAMED_LEVELS = ("EASY", "MEDIUM", "MEDIUM_HARD", "HARD", "HARDER", "VERY_HARD", "HARDEST",
                "INTRODUCTORY", "INTERVIEW", "COMPETITION")
_LETTER = re.compile(r"^([A-Z])(\d*)$")
_BAND = re.compile(r"^(\d+)\s*-\s*(\d+)$")


def difficulty_key(label: object) -> tuple:
    text = str(label).strip()
    upper = text.upper()
    if upper in NAMED_LEVELS:
        return (0, NAMED_LEVELS.index(upper), 0, "")
    letter = _LETTER.match(upper)
    if letter:
        return (1, ord(letter.group(1)), int(letter.group(2) or 0), "")
    band = _BAND.match(text)
    if band:
        return (2, int(band.group(1)), int(band.group(2)), "")
    return (3, 0, 0, text)  # unknown, EXTERNAL, UNKNOWN_DIFFICULTY: after every known level, by name


def difficulty_order(labels) -> list[str]:
    """Difficulty labels in the benchmark's own order (never alphabetical)."""
    return sorted({str(x) for x in labels}, key=difficulty_key)


def feedback_order(names) -> list[str]:
    """Feedback types from coarse to fine; unknown ones after, by name."""
    names = {str(n) for n in names}
    known = [f for f in FEEDBACK_ORDER if f in names]
    return known + sorted(names - set(known))
