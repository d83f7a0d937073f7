"""TACO (``BAAI/TACO`` schema) -> stdio or call problems.

``input_output`` is a JSON string ``{inputs, outputs, fn_name?}``: with ``fn_name`` each input is the
argument list of a call, otherwise stdin text (a list of lines is joined). As in the paper, the first test
is public and the rest private (a row with a single test is skipped). Call outputs in TACO (like APPS) are
often wrapped in a one-element list; APPS' grader accepts either, so the wrapped or unwrapped value is
chosen by running the reference solution when there is one, and unwrapped otherwise. Class-based entry
points (``class Solution``) are skipped: the call judge calls a plain function. Difficulty is TACO's label
(``UNKNOWN_DIFFICULTY`` -> null); ``time_limit``/``memory_limit`` strings ("2 seconds", "256 megabytes") are
parsed; tags are ``tags`` + ``skill_types``. The reference solution is the first of ``solutions``.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from . import reference
from .records import RowContext, SkipRow, call_test, stdio_test
from .statements import unjudgeable_reason

DIFFICULTIES = ("EASY", "MEDIUM", "MEDIUM_HARD", "HARD", "VERY_HARD")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)", re.IGNORECASE)


def _json_list(value: Any, what: str) -> list:
    if isinstance(value, list):
        return value
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        try:  # TACO stores tags as a Python list repr: "['Sorting', 'Greedy']"
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, TypeError):
            raise SkipRow(f"bad {what} JSON", f"`{what}` is not valid JSON") from None
    if not isinstance(parsed, list):
        raise SkipRow(f"bad {what} JSON", f"`{what}` is not a JSON list")
    return parsed


def parse_seconds(text: Any) -> float | None:
    match = _NUMBER.search(str(text or ""))
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    if unit.startswith("milli") or unit == "ms":
        value /= 1000
    return value if value > 0 else None


def parse_megabytes(text: Any) -> int | None:
    match = _NUMBER.search(str(text or ""))
    if not match:
        return None
    value, unit = float(match.group(1)), match.group(2).lower()
    if unit.startswith(("kilo", "kb", "k")):
        value /= 1024
    elif unit.startswith(("giga", "gb", "g")):
        value *= 1024
    return int(value) if value > 0 else None


def _call_tests(inputs, outputs, fn_name, solution) -> list[dict]:
    if not all(isinstance(a, list) for a in inputs):
        raise SkipRow("bad tests", "a call test's input is not an argument list")
    chosen = [o[0] if isinstance(o, list) and len(o) == 1 else o for o in outputs]
    if solution:
        try:
            results = reference.call_reference(solution, fn_name, [(a, {}) for a in inputs], timeout_s=30)
        except reference.ReferenceFailure:
            results = None  # keep the unwrapped convention; verify reports the reference as failing
        if results is not None:
            chosen = [o if r == o else c for o, c, r in zip(outputs, chosen, results)]
    return [call_test(a, {}, e) for a, e in zip(inputs, chosen)]


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    statement = row.get("question") or ""
    try:
        io = json.loads(row.get("input_output") or "")
    except (json.JSONDecodeError, TypeError):
        raise SkipRow("bad input_output JSON", "`input_output` is not valid JSON") from None
    if not isinstance(io, dict):
        raise SkipRow("bad input_output JSON", "`input_output` is not a JSON object")
    inputs, outputs, fn_name = io.get("inputs") or [], io.get("outputs") or [], io.get("fn_name")
    if len(inputs) != len(outputs):
        raise SkipRow("bad tests", f"{len(inputs)} inputs but {len(outputs)} outputs")
    if len(inputs) < 2:
        raise SkipRow("fewer than 2 tests", "the first test is public and the rest private: needs two")
    solutions = _json_list(row.get("solutions"), "solutions")
    solution = next((s for s in solutions if isinstance(s, str) and s.strip()), None)
    starter = row.get("starter_code") or ""
    if fn_name:
        if re.search(r"^\s*class\s+\w+", starter, re.MULTILINE):
            raise SkipRow("class-based entry point", f"starter code defines a class; {fn_name} is a method")
        tests, kind = _call_tests(inputs, outputs, fn_name, solution), "call"
    else:
        tests, kind = [stdio_test(i, o) for i, o in zip(inputs, outputs)], "stdio"
    difficulty = row.get("difficulty")
    reason = unjudgeable_reason(statement) if kind == "stdio" else None
    tags = _json_list(row.get("tags"), "tags") + _json_list(row.get("skill_types"), "skill_types")
    return ctx.problem(
        source_id=f"{ctx.split}-{ctx.index:05d}",
        statement=statement,
        kind=kind,
        entry_point=fn_name,
        starter_code=starter,
        public_tests=tests[:1],
        private_tests=tests[1:],
        difficulty=difficulty or None,  # an unknown label is flagged in the report (prepare.DIFFICULTY_LABELS)
        time_limit_s=parse_seconds(row.get("time_limit")),
        memory_limit_mb=parse_megabytes(row.get("memory_limit")),
        tags=[str(t) for t in tags if t],
        # Call tests compare as TACO's (= APPS') grader compares them: checker "apps" (sandbox/checkers.py).
        checker="unjudgeable" if reason else ("tokens" if kind == "stdio" else "apps"),
        reference_solution=solution,
        row=row,
        name=row.get("name") or None,
        url=row.get("url") or None,
        unjudgeable_reason=reason,
    )
