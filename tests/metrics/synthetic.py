"""Synthetic execute-stage trajectories (docs/contracts.md §3) for the metrics and figures tests.

Each problem has a hidden per-attempt solve probability that grows with CoT prompts, turns and finetuning, so
that every figure has a visible effect to draw; nothing here is a real model output.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from mtcodegen.jsonl import write_jsonl

DIFFICULTIES = ("A", "B", "C", "D")


def verdict(ok: bool, passed: int = 3, total: int = 3) -> dict[str, Any]:
    return {"verdict": "AC" if ok else "WA", "passed": total if ok else max(0, passed - 1), "total": total,
            "time_s": 0.01, "cached": False, "detail": "" if ok else "wrong answer", "tests": [], "trace": None}


def label(name: str, **overrides: Any) -> dict[str, Any]:
    base = {"name": name, "model": "m", "dataset": "cc/test", "reasoning": "none", "instruction": "none",
            "feedback": "failed_tests", "turns": 1, "cot_retry": False, "finetuned": False, "block": "b",
            "limit": None, "samples": None}
    return base | overrides


def trajectory(cell_name: str, problem_id: str, sample: int, outcomes: list[tuple[bool, bool]],
               rng: random.Random, prose_words: int = 20, max_turns: int | None = None) -> dict[str, Any]:
    """``outcomes``: (public pass, private pass) per attempt; stops early after a public pass."""
    attempts, code = [], f"n = int(input())\nprint(n * {sample})\n"
    for turn, (public, private) in enumerate(outcomes, 1):
        if turn > 1:
            code = code + f"x{turn} = {rng.randint(0, 9)}  # fix\n" if rng.random() < 0.7 else f"print({turn})\n"
        prose = " ".join(rng.choice(("we", "loop", "sum", "edge", "case")) for _ in range(prose_words))
        attempts.append({
            "turn": turn, "response": f"{prose}\n```python\n{code}```\n", "code": code, "extraction": "fenced",
            "reasoning": [], "instruction": None, "public": verdict(public), "private": verdict(private),
            "prompt_tokens": 100 * turn, "completion_tokens": 50, "generation_s": 0.5, "judge_s": 0.1,
        })
        if public:
            break
    last = attempts[-1]
    finish = "public_pass" if last["public"]["verdict"] == "AC" else "max_turns"
    return {"cell": "0" * 16, "cell_name": cell_name, "problem_id": problem_id, "sample": sample, "seed": sample,
            "messages": [{"role": "system", "content": "s"}], "attempts": attempts, "finish": finish,
            "final": {"public_pass": last["public"]["verdict"] == "AC",
                      "private_pass": last["private"]["verdict"] == "AC"}}


def write_cell(path: Path, cell_label: dict[str, Any], problems: int, samples: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    cot = cell_label["reasoning"] != "none" or cell_label["instruction"] != "none"
    boost = 0.1 * cot + 0.1 * bool(cell_label["finetuned"])
    records = []
    for p in range(problems):
        base = [0.6, 0.35, 0.15, 0.05][p % 4]
        for s in range(samples):
            outcomes = []
            for _ in range(cell_label["turns"]):
                public = rng.random() < base + boost
                private = public and rng.random() < 0.85
                outcomes.append((public, private))
            records.append(trajectory(cell_label["name"], f"cc/{p}", s, outcomes, rng,
                                      prose_words=5 if cell_label["finetuned"] else 20))
    write_jsonl(path, records)
    return path


def write_problems(path: Path, problems: int) -> Path:
    write_jsonl(path, [{"id": f"cc/{p}", "difficulty": DIFFICULTIES[p % 4], "rating": 800 + 400 * (p % 4)}
                       for p in range(problems)])
    return path


def paper_like_grid() -> list[dict[str, Any]]:
    """A small grid with every axis the figures compare: turns, CoT prompts, instructions, feedback, RFT."""
    cells = []
    for reasoning in ("none", "explain_io_pairs"):
        for instruction in ("none", "step_by_step"):
            for turns in (1, 3):
                name = f"base.r={reasoning}.i={instruction}.t={turns}"
                cells.append(label(name, reasoning=reasoning, instruction=instruction, turns=turns))
    cells.append(label("base.fb=binary.t=3", feedback="binary", turns=3))
    cells.append(label("base.retry.t=3", reasoning="explain_io_pairs", turns=3, cot_retry=True))
    cells.append(label("rft.t=3", model="rft", turns=3, finetuned=True, block="rft:r"))
    cells.append(label("rft.t=1", model="rft", turns=1, finetuned=True, block="rft:r"))
    return cells
