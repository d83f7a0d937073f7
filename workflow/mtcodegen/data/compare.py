"""Comparison of call results in the data stage (the reference check in verify, test building in checks).

There is one strict equality in the project: the judge's (``mtcodegen.sandbox.checkers.values_equal``), so that
the data stage accepts a reference exactly when the judge would. Strict types (1, 1.0 and True differ; a tuple
is not a list), NaN equals NaN, floats within the test's absolute ``tolerance`` when it has one, else within
1e-5 relative or absolute (0.1 + 0.2 equals 0.3).
"""

from __future__ import annotations

from typing import Any

from ..sandbox.checkers import values_equal


def values_match(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    return values_equal(got, expected, tolerance)
