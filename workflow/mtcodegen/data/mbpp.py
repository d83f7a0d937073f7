"""MBPP (``google-research-datasets/mbpp`` schema: task_id, text, code, test_list, test_setup_code,
challenge_test_list) -> call problems.

The entry point is the function the asserts call that the reference code defines. Public test: the first
assert of ``test_list`` (MBPP prompts show it); private: all of ``test_list``, as MBPP is usually scored.
``challenge_test_list`` is not used (counted as ``challenge_tests_unused`` in the problem). ``test_setup_code``
(rare) is kept in the problem and prepended to the reference solution.
"""

from __future__ import annotations

from typing import Any

from . import calls
from .checks import call_tests_from_check
from .records import RowContext, SkipRow


def entry_point_of(code: str, asserts: list[str]) -> str:
    defined = set(calls.defined_functions(code))
    for name in calls.called_functions(asserts):
        if name in defined:
            return name
    raise SkipRow("no entry point", "no function called by the asserts is defined by the reference code")


def normalize_fields(ctx: RowContext, *, row, task_id, text, code, test_list, test_setup_code,
                     challenge_test_list) -> dict[str, Any]:
    if task_id is None:
        raise SkipRow("no id")
    if not isinstance(test_list, list) or not test_list or not all(isinstance(t, str) for t in test_list):
        raise SkipRow("no tests", "test_list is empty or not a list of assert strings")
    if not isinstance(code, str) or not code.strip():
        raise SkipRow("no reference solution")
    for line in test_list:
        try:
            calls.parse_source(line)
        except calls.Unparsable as err:
            raise SkipRow("unparsable asserts", f"{line[:60]!r}: {err}") from None
    entry_point = entry_point_of(code, test_list)
    setup = test_setup_code or ""
    reference = (setup + "\n" + code) if setup.strip() else code
    tests, how, _ = call_tests_from_check(reference_code=reference, entry_point=entry_point, asserts=test_list,
                                       setup_code=setup)
    if how == "recorded" and len(tests) != len(test_list):
        # Each assert must give one test so that "the first assert" is the public one.
        first, _, _ = call_tests_from_check(reference_code=reference, entry_point=entry_point,
                                         asserts=test_list[:1], setup_code=setup)
        public = first[:1]
    else:
        public = tests[:1]
    return ctx.problem(
        source_id=str(task_id),
        statement=text or "",
        kind="call",
        entry_point=entry_point,
        public_tests=public,
        private_tests=tests,
        reference_solution=reference,
        row=row,
        test_setup_code=setup,
        tests_from=how,
        challenge_tests_unused=len(challenge_test_list or []),
    )


def in_task_range(task_id: Any, ctx: RowContext) -> None:
    """``options: {task_ids: [first, last]}`` keeps one of MBPP's id ranges (the google-research file holds all
    974 tasks: 1-10 few-shot, 11-510 test, 511-600 validation, 601-974 train); the others are reported as
    skipped with this reason."""
    bounds = ctx.options.get("task_ids")
    if bounds and isinstance(task_id, int) and not bounds[0] <= task_id <= bounds[1]:
        raise SkipRow("outside task_ids", f"task {task_id} is not in {bounds[0]}-{bounds[1]}")


# The official MBPP splits by task id (google-research mbpp/README.md; the hub's splits are the same ranges).
OFFICIAL_SPLITS = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600), "train": (601, 974)}


def in_official_split(task_id: Any, ctx: RowContext) -> None:
    """``options: {split_by: task_id}``: the split's rows are the task ids of its official range (the one file
    ``mbpp.jsonl`` holds all 974 tasks); the other rows are reported as skipped with this reason."""
    if ctx.options.get("split_by") != "task_id":
        return
    if ctx.split not in OFFICIAL_SPLITS:
        raise ValueError(f"options.split_by task_id: split {ctx.split!r} is not one of {', '.join(OFFICIAL_SPLITS)}")
    first, last = OFFICIAL_SPLITS[ctx.split]
    if not isinstance(task_id, int) or not first <= task_id <= last:
        raise SkipRow("other split", f"task {task_id} is not in the {ctx.split} split ({first}-{last})")


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    in_official_split(row.get("task_id"), ctx)
    in_task_range(row.get("task_id"), ctx)
    return normalize_fields(
        ctx, row=row, task_id=row.get("task_id"), text=row.get("text"), code=row.get("code"),
        test_list=row.get("test_list"), test_setup_code=row.get("test_setup_code") or "",
        challenge_test_list=row.get("challenge_test_list") or [],
    )
