"""Strict comparison of call results, shared by the reference check (verify) and test building (checks).

Strict types (1, 1.0 and True differ; a tuple is not a list), NaN equals NaN, and floats compare within the
test's absolute ``tolerance`` when it has one.
"""

from __future__ import annotations

import math
from typing import Any


def values_match(got: Any, expected: Any, tolerance: float | None = None) -> bool:
    if type(got) is not type(expected):
        return False
    if isinstance(expected, float):
        if math.isnan(expected):
            return math.isnan(got)
        if tolerance is not None and math.isfinite(expected):
            return abs(got - expected) <= tolerance
        return got == expected
    if isinstance(expected, (list, tuple)):
        return len(got) == len(expected) and all(values_match(g, e, tolerance) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return got.keys() == expected.keys() and all(values_match(got[k], v, tolerance) for k, v in expected.items())
    return got == expected
