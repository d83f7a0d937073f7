"""Outcome classes of hand-written execute-stage records (docs/browser.md): each expectation is read off the
record by the rule in words, not computed by the code under test."""

from __future__ import annotations

import pytest

from mtcodegen.browser.outcomes import ERROR, FAILED, NO_CODE, name, outcome


def attempt(turn, private, code="print(1)"):
    return {"turn": turn, "code": code, "private": {"verdict": private}, "public": {"verdict": private}}


@pytest.mark.parametrize("attempts, finish, expected", [
    ([attempt(1, "AC")], "public_pass", 1),                                        # stopped early, passes
    ([attempt(1, "WA"), attempt(2, "AC")], "public_pass", 2),                      # fixed at turn 2
    ([attempt(1, "WA"), attempt(2, "AC"), attempt(3, "AC")], "max_turns", 2),      # passes from turn 2 on
    ([attempt(1, "AC"), attempt(2, "WA"), attempt(3, "AC")], "max_turns", 3),      # lost, then regained
    ([attempt(1, "AC"), attempt(2, "WA"), attempt(3, "WA")], "max_turns", FAILED), # a pass that was not kept
    ([attempt(1, "WA"), attempt(2, "TLE"), attempt(3, "RE")], "max_turns", FAILED),
    ([attempt(1, "CE", None), attempt(2, "CE", None)], "max_turns", NO_CODE),
    ([], "error", ERROR),                                                            # failed before a response
    ([attempt(1, "WA")], "error", ERROR),                                            # failed after one attempt
    ([attempt(1, "AC")], "error", 1),                                                # solved counts first
    ([attempt(1, "CE", None), attempt(2, "WA")], "max_turns", FAILED),               # some code was written
])
def test_outcome_classes(attempts, finish, expected):
    assert outcome({"attempts": attempts, "finish": finish}) == expected


def test_turn_comes_from_the_attempt_record():
    # An attempt's own `turn` wins over its position (a CoT-retry turn is still one attempt per turn).
    assert outcome({"attempts": [attempt(1, "WA"), attempt(5, "AC")], "finish": "public_pass"}) == 5


def test_names():
    assert [name(c) for c in (2, FAILED, NO_CODE, ERROR)] == ["solved at turn 2", "failed", "no_code", "error"]


def test_a_generate_stage_record_is_refused_naming_the_attempt():
    record = {"attempts": [{"turn": 1, "code": "x", "public": {"verdict": "AC"}}], "finish": "public_pass"}
    with pytest.raises(ValueError, match=r"t\.jsonl:3 attempt 1: attempt has no 'private' verdict"):
        outcome(record, "t.jsonl:3")
