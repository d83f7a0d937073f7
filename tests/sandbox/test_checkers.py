"""Output comparison: CodeContests tokens with float tolerance, exact mode, strict typed call results."""

from __future__ import annotations

import math

import pytest

from mtcodegen.sandbox import checkers


@pytest.mark.parametrize("got,want,ok", [
    ("1 2\n3", "1 2 3", True),              # whitespace is not significant
    ("  1\t2  \n\n", "1 2", True),
    ("1 2", "1 2 3", False),                # missing token
    ("1 2 3 4", "1 2 3", False),            # extra token
    ("YES", "yes", False),                  # case matters
    ("0.3333339", "0.333333", True),        # absolute 1e-5
    ("1000000.5", "1000000.0", True),       # relative 1e-5 (|diff| = 0.5 <= 1e-5 * 1e6)
    ("1.0001", "1.0", False),
    ("nan", "nan", True),
    ("inf", "1e308", False),
    ("1e3", "1000", True),                  # numbers compare as numbers
    ("01", "1", True),
])
def test_tokens(got, want, ok):
    assert checkers.compare_tokens(got, want)[0] is ok


def test_tokens_reason_names_the_token():
    ok, reason = checkers.compare_tokens("1 5 3", "1 2 3")
    assert not ok and "token 2" in reason and "'2'" in reason


def test_custom_tolerance():
    assert not checkers.compare_stdio("1.001", "1.0", "tokens")[0]
    assert checkers.compare_stdio("1.001", "1.0", "tokens", tolerance=1e-2)[0]


def test_exact():
    assert checkers.compare_exact("a b\r\nc\n", "a b\nc")[0]
    assert not checkers.compare_exact("a  b", "a b")[0]
    assert not checkers.compare_exact("1.0", "1.00")[0]
    with pytest.raises(ValueError, match="unknown checker"):
        checkers.compare_stdio("", "", "fuzzy")


@pytest.mark.parametrize("got,want,ok", [
    (1, 1, True), (1, 1.0, False), (True, 1, False), (1, True, False),
    ([1, 2], (1, 2), False), ((1, 2), (1, 2), True), ({1, 2}, {2, 1}, True), ({1}, frozenset({1}), False),
    ("a", b"a", False), (None, 0, False), ({1: [1.0]}, {1: [1.0 + 1e-9]}, True), ({1: 2}, {"1": 2}, False),
    (0.1 + 0.2, 0.3, True), (math.nan, math.nan, True), (math.inf, math.inf, True), (1.5, 1.6, False),
])
def test_values_equal_is_strict(got, want, ok):
    assert checkers.values_equal(got, want) is ok


def test_values_equal_honours_test_tolerance():
    assert checkers.values_equal(1.0005, 1.0, tolerance=1e-3)
    assert not checkers.values_equal(1.0005, 1.0)
    assert not checkers.values_equal([1.1], [1.0], tolerance=1e-3)
