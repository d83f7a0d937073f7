"""A source's check code -> call tests: read statically where possible, else recorded from the reference.

Static reading (calls.py) keeps the dataset's own literal expected values. When a check is not plain literal
asserts (loops, random inputs, `abs(f(x) - y) < tol` with computed `y`, EvalPlus' `assertion(...)`), the
check is run in a subprocess against the reference solution with the entry point replaced by a recorder
(reference.py): every call the check makes becomes a test whose expected value is the reference's result,
and the check's own asserts must pass, so a broken reference is caught. Tolerances found in the check apply
to the recorded tests whose expected value holds a float.
"""

from __future__ import annotations

from typing import Any

from . import calls, reference
from .compare import values_match
from .records import SkipRow, call_test, flag_row


def has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_float(v) for v in value)
    if isinstance(value, dict):
        return any(has_float(v) for v in value.values())
    return False


_NO_VALUE = object()


def _reference_values(code: str | None, entry_point: str, static: list[calls.StaticCall],
                      extra_calls: list[tuple[list, dict]]) -> list[Any]:
    """The reference's result for each static call then each extra call; _NO_VALUE when it cannot run."""
    if code:
        try:
            return reference.call_reference(code, entry_point, [(c.args, c.kwargs) for c in static] + extra_calls)
        except reference.ReferenceTimeout as err:
            # The literal tests stay, but a reference that never ends must not pass without a word.
            flag_row("reference solution times out", f"on its own tests: {err}")
        except reference.ReferenceFailure as err:
            # the literals stay (verify reports the failing reference); extra calls are retried alone
            flag_row("reference solution fails", f"on its own tests: {str(err)[:300]}")
    return [_NO_VALUE] * (len(static) + len(extra_calls))


def _extra_results(values: list[Any], code: str | None, entry_point: str, extra_calls) -> list[Any]:
    if not code or not extra_calls:
        return []
    if any(v is _NO_VALUE for v in values):
        try:
            return reference.call_reference(code, entry_point, list(extra_calls))
        except reference.ReferenceFailure as err:
            raise SkipRow("reference solution fails an example call", str(err)) from None
    return values


def _expected(call: calls.StaticCall, ref: Any) -> Any:
    """The literal, except where the reference's value equals it under Python's == but not strictly
    (``assert volume(2) == 8`` with the reference returning 8.0): the check accepts both, the judge compares
    strictly, so the reference's type is kept, and the reference passes its own tests."""
    if ref is _NO_VALUE or values_match(ref, call.expected, call.tolerance):
        return call.expected
    try:
        loosely_equal = bool(ref == call.expected)
    except Exception:  # noqa: BLE001 - an odd __eq__ simply means "not equal"
        loosely_equal = False
    return ref if loosely_equal else call.expected


def call_tests_from_check(
    *,
    reference_code: str | None,
    entry_point: str,
    check_source: str | None = None,
    check_function: str | None = None,
    asserts: list[str] | None = None,
    setup_code: str = "",
    extra_calls: list[tuple[list, dict]] = (),
) -> tuple[list[dict], str, list[Any]]:
    """Return (tests, how, extra_results) with how = "static" | "recorded". Give either ``check_source`` +
    ``check_function`` (HumanEval's ``def check(candidate)``) or ``asserts`` (MBPP's list of assert lines).
    ``extra_calls`` (e.g. docstring examples) are run on the reference in the same process as the static
    cross-check; their results come back as ``extra_results`` (empty without a reference)."""
    try:
        if asserts is not None:
            static = calls.parse_assert_lines(asserts, entry_point)
        else:
            static = calls.parse_check_function(check_source, check_function or "check")
        if not static:
            raise SkipRow("no tests", "the check holds no assert")
        values = _reference_values(reference_code, entry_point, static, list(extra_calls))
        tests = [call_test(c.args, c.kwargs, _expected(c, ref), c.tolerance) for c, ref in zip(static, values)]
        return tests, "static", _extra_results(values[len(static):], reference_code, entry_point, extra_calls)
    except calls.Unparsable as why:
        raise SkipRow("unparsable asserts", str(why)) from None
    except calls.NotStatic as why:
        reason = str(why)
    if not reference_code:
        raise SkipRow("check needs a reference solution", f"{reason}, and the row has no reference solution")
    test_code = setup_code + "\n" + ("\n".join(asserts) if asserts is not None else check_source)
    try:
        recorded = reference.record_check(reference_code, entry_point, test_code,
                                          check_function=None if asserts is not None else (check_function or "check"))
    except reference.ReferenceFailure as err:
        raise SkipRow("reference solution fails its check", str(err)) from None
    if not recorded:
        raise SkipRow("no tests", "running the check made no call of the entry point")
    tolerance = calls.check_tolerance(test_code)
    tests = [
        call_test(args, kwargs, value, tolerance if tolerance and has_float(value) else None)
        for args, kwargs, value in recorded
    ]
    return tests, "recorded", _extra_results([_NO_VALUE] * len(extra_calls), reference_code, entry_point, extra_calls)
