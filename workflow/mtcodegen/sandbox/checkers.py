"""Output comparison, done outside the jail (expected outputs never enter it).

- ``tokens``: CodeContests semantics. Outputs are split on whitespace; tokens are equal when identical, or when
  both parse as floats that agree within the tolerance (relative *or* absolute, default 1e-5).
- ``exact``: byte-for-byte after normalizing line endings and trailing whitespace at the very end.
- call results: strict typed comparison of the decoded return value with the expected one, as in the data
  stage's reference check (mtcodegen.data.compare): types must be identical (1, 1.0 and True differ; a tuple is
  not a list); floats agree within the test's own absolute ``tolerance`` when it has one, else within 1e-5
  relative or absolute; NaN equals NaN.
- ``apps`` (call results of APPS and TACO): their grader's rule (testing_util.py, call-based), so that verdicts
  agree with it: a returned tuple counts as a list; Python ``==`` (2 == 2.0, True == 1); the expected value may
  be wrapped in a one-element list (APPS stores outputs so; the data stage unwraps them), and either form is
  accepted; a list of tuples also compares as a list of lists. No float tolerance (the grader has none).
- ``evalplus`` (call results of the EvalPlus benchmarks): evalplus's own rule, so that verdicts agree with its
  evaluator: Python ``==`` first (1 == 1.0 == True); failing that, when the test has a ``tolerance`` (the
  task's atol, or 1e-6 for float results), same type, same length and every element within
  ``atol + 1e-7 * |expected|`` (numpy.allclose's rule; NaN never matches). A test's ``oracle`` names one of
  evalplus's special oracles (EVALPLUS_ORACLES) that replaces the ``==`` step.
"""

from __future__ import annotations

import math
from typing import Any

DEFAULT_TOLERANCE = 1e-5


def _float_token(token: str) -> float | None:
    try:
        value = float(token)
    except ValueError:
        return None
    return value


def floats_close(a: float, b: float, tolerance: float = DEFAULT_TOLERANCE) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    diff = abs(a - b)
    return diff <= tolerance or diff <= tolerance * abs(b)


def compare_tokens(got: str, expected: str, tolerance: float = DEFAULT_TOLERANCE) -> tuple[bool, str]:
    """(equal, reason) under CodeContests whitespace-token semantics."""
    got_tokens, want_tokens = got.split(), expected.split()
    for index, (g, w) in enumerate(zip(got_tokens, want_tokens)):
        if g == w:
            continue
        gf, wf = _float_token(g), _float_token(w)
        if gf is not None and wf is not None and floats_close(gf, wf, tolerance):
            continue
        return False, f"token {index + 1}: expected {w[:40]!r}, got {g[:40]!r}"
    if len(got_tokens) != len(want_tokens):
        return False, f"expected {len(want_tokens)} tokens, got {len(got_tokens)}"
    return True, ""


def compare_exact(got: str, expected: str) -> tuple[bool, str]:
    norm_got = got.replace("\r\n", "\n").rstrip()
    norm_want = expected.replace("\r\n", "\n").rstrip()
    if norm_got == norm_want:
        return True, ""
    got_lines, want_lines = norm_got.split("\n"), norm_want.split("\n")
    for index, (g, w) in enumerate(zip(got_lines, want_lines)):
        if g != w:
            return False, f"line {index + 1}: expected {w[:40]!r}, got {g[:40]!r}"
    return False, f"expected {len(want_lines)} lines, got {len(got_lines)}"


def compare_stdio(got: str, expected: str, checker: str, tolerance: float | None = None) -> tuple[bool, str]:
    if checker == "tokens":
        return compare_tokens(got, expected, DEFAULT_TOLERANCE if tolerance is None else tolerance)
    if checker == "exact":
        return compare_exact(got, expected)
    raise ValueError(f"unknown checker {checker!r} (expected 'tokens' or 'exact')")


def values_equal(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    """Strict typed equality of two decoded typed_json values (see module doc)."""
    te = type(expected)
    if type(got) is not te:
        return False
    if te is float:
        if tolerance is not None and math.isfinite(expected) and math.isfinite(got):
            return abs(got - expected) <= tolerance
        return floats_close(got, expected)
    if te in (list, tuple):
        return len(got) == len(expected) and all(values_equal(g, e, tolerance) for g, e in zip(got, expected))
    if te is dict:
        return got.keys() == expected.keys() and all(values_equal(got[k], v, tolerance) for k, v in expected.items())
    if te is complex:
        return values_equal(got.real, expected.real, tolerance) and values_equal(got.imag, expected.imag, tolerance)
    return got == expected  # None, bool, int, str, bytes, set, frozenset (of hashable plain data)


def _allclose_values(got: Any, expected: Any, atol: float) -> bool:
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(_allclose_values(g, e, atol) for g, e in zip(got, expected))
    if isinstance(got, bool) or isinstance(expected, bool) or not isinstance(got, (int, float)) \
            or not isinstance(expected, (int, float)):
        return False
    return math.isfinite(got) and math.isfinite(expected) and abs(got - expected) <= atol + 1e-7 * abs(expected)


def _close_within(got: Any, expected: Any, tolerance: float | None) -> bool:
    """evalplus's fallback after ``==`` fails: values of one type, equal within ``tolerance`` (if any)."""
    if not tolerance or type(got) is not type(expected):
        return False
    try:
        return _allclose_values(got, expected, tolerance)
    except (TypeError, ValueError, OverflowError):
        return False


def values_equal_evalplus(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    """evalplus's comparison of a returned value with the expected one (see module doc)."""
    try:
        if bool(got == expected):
            return True
    except Exception:  # noqa: BLE001 - a value whose == raises (or is ambiguous) is simply not equal
        pass
    return _close_within(got, expected, tolerance)


def _python_equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - a value whose == raises (or is ambiguous) is simply not equal
        return False


def values_equal_apps(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    """APPS/TACO's comparison of a returned value with the stored expected one (see module doc). The grader
    compares with the dataset's raw output ``raw``: ``got == raw``, or ``got == raw[0]`` for a non-empty
    list; the data stage stores ``raw[0]`` for a one-element ``raw``, so ``[expected]`` stands for ``raw``."""
    if isinstance(got, tuple):
        got = list(got)
    candidates = [expected, [expected]]
    if isinstance(expected, list) and expected:
        candidates.append(expected[0])
    if any(_python_equal(got, c) for c in candidates):
        return True
    try:
        if isinstance(got[0], tuple):
            lists = [list(x) for x in got]  # the grader compares these with raw[0]: expected, or expected[0]
            return any(_python_equal(lists, c) for c in [expected] + candidates[2:])
    except (TypeError, IndexError, KeyError):
        pass
    return False


def _poly(xs, x) -> float:
    return sum(c * math.pow(x, i) for i, c in enumerate(xs))


def _oracle_match(oracle: str, got: Any, expected: Any, args: list) -> bool:
    if oracle == "any":  # Mbpp/164: every answer passes
        return True
    if oracle == "set":  # results whose order the task does not fix
        return set(got) == set(expected)
    if oracle == "or_zero":  # Mbpp/295 also accepts 0
        return bool(got == expected) or got == 0
    if oracle == "not_none":  # expected holds whether the reference's result was not None
        return got == expected if isinstance(got, bool) else expected == (got is not None)
    raise ValueError(f"unknown evalplus oracle {oracle!r} (known: {', '.join(EVALPLUS_ORACLES)})")


EVALPLUS_ORACLES = ("any", "set", "or_zero", "not_none", "poly_root")


def evalplus_match(got: Any, expected: Any, test: dict[str, Any], args: list | None = None) -> bool:
    """One call test under evalplus's rule, its special oracle included (``args``: the decoded arguments)."""
    oracle, tolerance = test.get("oracle"), test.get("tolerance")
    if oracle == "poly_root":  # HumanEval/32 find_zero: any root of the polynomial, |poly(xs, x)| <= atol
        try:
            return abs(_poly(args[0], got)) <= (tolerance or 0)
        except (TypeError, ValueError, OverflowError, IndexError):
            return False
    if oracle is None:
        return values_equal_evalplus(got, expected, tolerance)
    try:
        if _oracle_match(oracle, got, expected, args or []):
            return True
    except (TypeError, ValueError):
        pass
    return _close_within(got, expected, tolerance)
