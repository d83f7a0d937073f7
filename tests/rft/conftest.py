"""Synthetic trajectories per docs/contracts.md §3 (execute-stage output), for the rft-data tests."""

from __future__ import annotations

import pytest

REASONING = "Explain what each input/output pair in the examples shows before writing code."
INSTRUCTION = "Think step by step, then write the program."
FEEDBACK = "Your code failed these tests:\nInput: 1 2\nExpected: 3\nGot: 4"


def verdict(ok: bool) -> dict:
    return {"verdict": "AC" if ok else "WA", "passed": 1 if ok else 0, "total": 1, "time_s": 0.01,
            "cached": False, "detail": "" if ok else "wrong answer", "tests": []}


CODE_BLOCK = "Write your final answer as a program reading stdin, inside a single ```python code block."


def make_trajectory(problem_id: str, sample: int, codes: list[str], private_pass: bool = True,
                    public_pass: bool = True, statement: str = "Add two numbers.", cot: bool = True) -> dict:
    """A trajectory of len(codes) attempts shaped like mtcodegen.generate.loop writes them: all but the last
    fail publicly; with ``cot`` turn 1 is a reasoning step then a code step (reasoning + instruction prompts),
    later turns are feedback + code-format request."""
    messages = [{"role": "system", "content": "You are a programmer."}]
    attempts = []
    for turn, code in enumerate(codes, start=1):
        asked = statement if turn == 1 else FEEDBACK
        response = f"Here is the program for turn {turn}.\n```python\n{code}\n```"
        attempt = {"turn": turn, "reasoning": [], "instruction": None}
        if cot and turn == 1:
            attempt.update(reasoning=["explain_io_pairs"], instruction="step_by_step",
                           reasoning_response="The first example adds 1 and 2.")
            messages += [{"role": "user", "content": f"{asked}\n\n{REASONING}"},
                         {"role": "assistant", "content": attempt["reasoning_response"]},
                         {"role": "user", "content": f"{INSTRUCTION}\n\n{CODE_BLOCK}"}]
        else:
            messages.append({"role": "user", "content": f"{asked}\n\n{CODE_BLOCK}"})
        messages.append({"role": "assistant", "content": response})
        last = turn == len(codes)
        attempt.update({
            "response": response, "code": code, "extraction": "fenced",
            "public": verdict(public_pass if last else False), "private": verdict(private_pass if last else False),
            "prompt_tokens": 50, "completion_tokens": 20, "generation_s": 0.1, "judge_s": 0.1,
        })
        attempts.append(attempt)
    return {"cell": "c" * 16, "cell_name": "gen", "problem_id": problem_id, "sample": sample, "seed": sample,
            "messages": messages, "attempts": attempts,
            "finish": "public_pass" if public_pass else "max_turns",
            "final": {"public_pass": public_pass, "private_pass": private_pass}}


def make_problem(problem_id: str, statement: str, reference: str | None = None) -> dict:
    return {"id": problem_id, "dataset": problem_id.split("/")[0], "split": "test", "statement": statement,
            "kind": "stdio", "reference_solution": reference, "public_tests": [], "private_tests": []}


PARAMS = {"max_per_problem": 50, "dedup_threshold": 0.8, "decontamination_threshold": 0.8,
          "train_turn_classes": ["single_turn", "multi_turn"], "cross_test": False, "cross_test_top_k": 0,
          "generator": {"reasoning": "explain_io_pairs", "instruction": "step_by_step"}, "eval_splits": []}


@pytest.fixture
def prompts_dir(tmp_path):
    for category, name, text in (("reasoning", "explain_io_pairs", REASONING),
                                 ("instruction", "step_by_step", INSTRUCTION)):
        (tmp_path / "prompts" / category).mkdir(parents=True)
        (tmp_path / "prompts" / category / f"{name}.txt").write_text(text + "\n")
    return tmp_path / "prompts"


@pytest.fixture
def synthetic():
    """This module's builders (tests import no conftest by name under --import-mode=importlib)."""
    import sys

    return sys.modules[__name__]
