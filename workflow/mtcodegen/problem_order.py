"""The order of problems: by id, numbers compared as numbers ("mbpp/11" < "mbpp/100").

Every stage that takes "the first N problems" (a dataset's or a grid block's ``limit``) orders them with
:func:`problem_order`, so that ``limit: 20`` on MBPP's test split means tasks 11–30, as a reader expects,
not the string order's 100–118 and 11.
"""

from __future__ import annotations

import re

_RUNS = re.compile(r"(\d+)")


def problem_order(problem_id: str) -> tuple:
    """Sort key of a problem id: its digit runs compare as integers, the rest as text; the id itself breaks
    ties ("a/01" and "a/1")."""
    parts = tuple((0, int(run), "") if run.isdigit() else (1, 0, run) for run in _RUNS.split(problem_id) if run)
    return parts, problem_id
