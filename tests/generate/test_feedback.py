"""Feedback faithful to its name (issue #12 items 12-13): binary says pass/fail only, a response without code
is told so, and LDB traces render as LDB gives them (blocks with the values at their end, first and last kept)."""

from __future__ import annotations

import pytest

from mtcodegen.generate import feedback as fb
from mtcodegen.generate.feedback import feedback_values
from mtcodegen.generate.loop import NO_CODE, no_code_verdict
from mtcodegen.generate.prompts import render
from generate_fakes import stdio_problem

FEEDBACK = ["binary", "failed_tests", "failed_and_passed_tests", "ldb_line", "ldb_block", "ldb_function"]
VERDICT_WORDS = ("wrong answer", "time limit", "runtime error", "memory limit", "compilation", "WA", "TLE", "RE")


def _verdict(code: str, detail: str) -> dict:
    tests = [{"index": 0, "verdict": "AC", "stdout": "2\n", "stderr": "", "detail": ""},
             {"index": 1, "verdict": code, "stdout": "", "stderr": "boom", "detail": detail}]
    return {"verdict": code, "passed": 1, "total": 2, "detail": detail, "tests": tests, "trace": None}


def test_binary_feedback_says_fail_and_nothing_more(library):
    problem = stdio_problem("toy/1", tests=2)
    template = library.named("feedback", "binary")
    texts = {code: render(template, "feedback/binary.txt", **feedback_values(problem, _verdict(code, detail)))
             for code, detail in (("WA", "token 1: expected '4', got '5'"), ("TLE", "over 2s"),
                                  ("RE", "ZeroDivisionError: division by zero"), ("MLE", "MemoryError"))}
    # The truth: a binary signal carries one bit, so every kind of failure gives the very same message.
    assert len(set(texts.values())) == 1, texts
    text = texts["WA"]
    assert "not" in text.lower() and "pass" in text.lower()
    for word in VERDICT_WORDS:
        assert word not in text, (word, text)
    assert "1" not in text and "2" not in text  # not even the count of passed tests


@pytest.mark.parametrize("feedback", FEEDBACK)
def test_a_response_without_code_is_told_that_no_code_was_found(library, feedback):
    problem = stdio_problem("toy/1", tests=2)
    values = feedback_values(problem, no_code_verdict(problem, NO_CODE))
    text = render(library.named("feedback", feedback), f"feedback/{feedback}.txt", **values)
    assert "no code was found" in text.lower(), text
    assert "compilation" not in text.lower(), text


def test_a_real_compile_error_is_still_a_compile_error(library):
    problem = stdio_problem("toy/1", tests=2)
    verdict = {"verdict": "CE", "passed": 0, "total": 2, "detail": "SyntaxError: '(' was never closed",
               "tests": [], "trace": None}
    text = render(library.named("feedback", "failed_tests"), "feedback/failed_tests.txt",
                  **feedback_values(problem, verdict))
    assert "compilation error" in text and "SyntaxError" in text and "no code" not in text


def test_the_no_code_marker_is_the_loops():
    assert fb.NO_CODE_DETAIL == NO_CODE


# --- LDB traces as the model reads them ---------------------------------------------------------------------

def _block(index: int, lines: list[int], values: dict, code: list[str] | None = None) -> dict:
    return {"function": "<module>", "line": lines[0], "lines": lines, "index": index,
            "code": code or [f"x{n} = {n}" for n in lines], "locals": values}


def test_a_block_is_its_code_then_the_values_at_its_end():
    trace = {"granularity": "block", "total": 2, "events": [
        _block(0, [1, 2], {"n": "4", "total": "0"}, ["n = int(input())", "total = 0"]),
        {**_block(1, [5, 6], {"ans": "12"}, ["    ans = total * 2", "    print(ans)"]), "returns": "None"}]}
    assert fb.describe_trace(trace) == ("[BLOCK-0] lines 1-2\nn = int(input())\ntotal = 0\n# n = 4, total = 0\n"
                                        "[BLOCK-1] lines 5-6\nans = total * 2\nprint(ans)\n# ans = 12\n# returns None")


@pytest.mark.parametrize("granularity, shown", [("block", 10), ("line", 30)])
def test_a_long_trace_shows_the_first_and_the_last_blocks(granularity, shown):
    # The runner kept the first 100 and the last 100 of 2,000 blocks (indices 0-99 and 1900-1999).
    events = [_block(i, [i % 7 + 1], {"i": str(i)}) for i in list(range(100)) + list(range(1900, 2000))]
    text = fb.describe_trace({"granularity": granularity, "total": 2000, "events": events, "truncated": True})
    half = shown // 2
    labels = [line.split()[0] for line in text.splitlines() if line.startswith("[BLOCK-")]
    assert labels == [f"[BLOCK-{i}]" for i in list(range(half)) + list(range(2000 - half, 2000))]
    assert f"... ({2000 - shown} blocks not shown) ..." in text
    assert text.rstrip().endswith("# i = 1999")  # the end of the run is there


def test_the_character_cap_drops_blocks_from_the_middle_not_the_end():
    big = {f"v{k}": "x" * 70 for k in range(4)}  # ~300 characters of values per block
    events = [_block(i, [i + 1], {**big, "i": str(i)}) for i in range(10)]
    text = fb.describe_trace({"granularity": "block", "total": 10, "events": events})
    assert len(text) <= fb.TRACE_CHARS
    assert "[BLOCK-0]" in text and "[BLOCK-9]" in text and "i = 9" in text
    assert "blocks not shown" in text


def test_a_trace_stopped_by_the_time_limit_says_so():
    events = [_block(0, [1], {"x": "1"}), {**_block(5, [2], {"x": "9"}), "unfinished": True}]
    text = fb.describe_trace({"granularity": "block", "total": 6, "events": events, "stopped": "time"})
    assert "# still running when the trace stopped: x = 9" in text and "time was nearly up" in text


@pytest.mark.parametrize("feedback, unit", [("ldb_block", "FOR EACH BLOCK"), ("ldb_line", "FOR EACH BLOCK"),
                                            ("ldb_function", "FOR EACH FUNCTION CALL")])
def test_ldb_templates_ask_to_judge_each_block_as_ldb_does(library, feedback, unit):
    text = library.named("feedback", feedback)
    # LDB's request (LLMDebugger, programming/generators/py_generate.py): explain FOR EACH BLOCK whether it is
    # correct, and if not, what is wrong.
    assert f"Please explain the execution {unit} and answer whether" in text
    assert "If not, give an explanation on what is wrong." in text
    assert "{trace}" in text and "{failed_test}" in text and "corrected version" in text
