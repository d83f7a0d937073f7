"""APPS/TACO call tests compared as their own grader compares them, and one strict equality for the project
(issue #12 item 14).

The truth for the APPS rule is the official grader's own code (hendrycks/apps eval/testing_util.py and
FlagOpen/TACO metrics/testing_util.py, call-based branch), retyped below as `apps_grader`, applied to the raw
test output of the dataset; the judge sees what the data stage stores (taco.py: a one-element list unwrapped
unless the reference returns it wrapped)."""

from __future__ import annotations

import math

import pytest

from mtcodegen import typed_json
from mtcodegen.data import compare
from mtcodegen.sandbox import JudgeRequest, checkers


def apps_grader(output, raw_expected) -> bool:
    """APPS testing_util.run_test, call-based, verbatim in substance."""
    if isinstance(output, tuple):
        output = list(output)
    tmp_result = output == raw_expected
    if isinstance(raw_expected, list) and raw_expected:
        tmp_result = tmp_result or (output == raw_expected[0])
    try:
        if isinstance(output[0], tuple):
            tmp_result = tmp_result or ([list(x) for x in output] == raw_expected[0])
    except Exception:
        pass
    return bool(tmp_result)


def stored(raw):
    """What data/taco.py stores as `expected` when there is no reference to choose the wrapped form."""
    return raw[0] if isinstance(raw, list) and len(raw) == 1 else raw


CASES = [  # (returned value, the dataset's raw output)
    ((1, 2), [1, 2]),            # a tuple for a list
    ((1, 2), [[1, 2]]),
    (2, [2.0]), (2.0, [2]),      # 2 for 2.0 and back
    (2, 2.0), (True, [1]),       # Python == (the grader's)
    ([(1, 2), (3, 4)], [[[1, 2], [3, 4]]]),  # a list of tuples for a list of lists
    ("abc", ["abc"]), (["abc"], ["abc"]),
    ([1, 2], [[1, 2]]), ([[1, 2]], [[1, 2]]),
    (3, [2]), ((1, 2), [2, 1]), ("2", [2]), (None, [None]), ([], [[]]), (2.0000001, [2.0]),
    ({"a": 1}, [{"a": 1}]), ([1, 2, 3], [1, 2]),
]


@pytest.mark.parametrize("got, raw", CASES)
def test_the_apps_checker_agrees_with_the_apps_grader(got, raw):
    assert checkers.values_equal_apps(got, stored(raw)) is apps_grader(got, raw)


def test_strict_checkers_still_refuse_what_apps_accepts():
    assert not checkers.values_equal((1, 2), [1, 2]) and not checkers.values_equal(2, 2.0)


@pytest.mark.nsjail
def test_the_judge_uses_the_apps_rule_for_apps_problems(judge):
    def test(raw):
        return {"args": typed_json.encode([]), "kwargs": typed_json.encode({}), "expected": typed_json.encode(stored(raw))}

    program = "def f():\n    return (1, 2)\n"
    apps, strict = judge.run([JudgeRequest(program=program, kind="call", entry_point="f", checker="apps",
                                           tests=[test([[1, 2]])]),
                              JudgeRequest(program=program, kind="call", entry_point="f", checker="exact",
                                           tests=[test([[1, 2]])])])
    assert apps["verdict"] == "AC" and strict["verdict"] == "WA"
    (half,) = judge.run([JudgeRequest(program="def f():\n    return 2\n", kind="call", entry_point="f",
                                      checker="apps", tests=[test([2.0])])])
    assert half["verdict"] == "AC"


# --- one strict equality ----------------------------------------------------------------------------------

PAIRS = [(0.1 + 0.2, 0.3), (1.0, 1.0 + 1e-12), (1.0, 1.1), (1e6, 1e6 + 1.0), (math.nan, math.nan), (1, 1.0),
         (True, 1), ((1, 2), [1, 2]), ([0.1 + 0.2], [0.3]), ({"a": 0.1 + 0.2}, {"a": 0.3}), (complex(0.1 + 0.2, 0), 0.3j),
         ({1, 2}, {2, 1}), (b"x", b"x"), (None, None), ("0.3", 0.3)]


@pytest.mark.parametrize("got, expected", PAIRS)
@pytest.mark.parametrize("tolerance", [None, 1e-9])
def test_the_data_stage_and_the_judge_share_one_equality(got, expected, tolerance):
    assert compare.values_match(got, expected, tolerance) is checkers.values_equal(got, expected, tolerance)


def test_that_equality_is_the_judges_float_rule():
    # |0.30000000000000004 - 0.3| = 5.6e-17, within the judge's 1e-5: equal for the data stage too.
    assert compare.values_match(0.1 + 0.2, 0.3) is True
    assert compare.values_match(0.1 + 0.2, 0.3, tolerance=1e-20) is False  # a test's own tolerance rules
