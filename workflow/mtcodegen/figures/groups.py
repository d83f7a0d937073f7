"""How figures group cells: the paper's settings (single-turn, multi-turn, multi-turn CoT), base vs RFT."""

from __future__ import annotations

import pandas as pd

NO_PROMPT = "none"


def uses_cot(frame: pd.DataFrame) -> pd.Series:
    """A cell prompts for reasoning when it has a reasoning or an instruction prompt (or CoT-retry)."""
    return (frame["reasoning"] != NO_PROMPT) | (frame["instruction"] != NO_PROMPT) | frame["cot_retry"].astype(bool)


def setting(frame: pd.DataFrame) -> pd.Series:
    multi = frame["turns"] > 1
    cot = uses_cot(frame)
    out = pd.Series("single-turn", index=frame.index)
    out[~multi & cot] = "single-turn CoT"
    out[multi & ~cot] = "multi-turn"
    out[multi & cot] = "multi-turn CoT"
    return out


def model_label(frame: pd.DataFrame) -> pd.Series:
    return frame["model"].astype(str) + frame["finetuned"].astype(bool).map({True: " (RFT)", False: ""})


def family(frame: pd.DataFrame) -> pd.Series:
    """base / CoT / RFT: the three curves of the n@k figure."""
    out = pd.Series("base", index=frame.index)
    out[uses_cot(frame)] = "base + CoT"
    out[frame["finetuned"].astype(bool)] = "RFT"
    return out
