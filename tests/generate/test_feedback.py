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
