"""The SandboxFusion sample files (../shared/data/README.md): CodeContests and MBPP in SandboxFusion's schema.

CodeContests (``sandboxfusion_code_contests``): ``content`` is the statement, ``labels`` a JSON string
``{difficulty, name, source}``, ``test`` a JSON string list of ``{input: {stdin}, output: {stdout}}`` in which
CodeContests' public, private and generated tests are merged without a flag. Public tests: those whose input
and output appear in the statement's examples (statements.example_tests), else the first test. Private:
all tests. No solutions, no limits.

MBPP (``sandboxfusion_mbpp``): the MBPP fields under other names; normalized by mbpp.normalize_fields.
"""

from __future__ import annotations

import json
from typing import Any

from . import mbpp
from .records import RowContext, SkipRow, stdio_test
from .statements import example_tests, unjudgeable_reason


def _json_field(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    if isinstance(value, (dict, list)):
        return value
    if not isinstance(value, str):
        raise SkipRow(f"bad {key}", f"`{key}` is {type(value).__name__}, expected a JSON string")
    try:
        return json.loads(value)
    except json.JSONDecodeError as err:
        raise SkipRow(f"bad {key}", f"`{key}` is not valid JSON ({err.msg})") from None


def normalize_code_contests(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    labels = _json_field(row, "labels")
    raw_tests = _json_field(row, "test")
    if not isinstance(raw_tests, list) or not raw_tests:
        raise SkipRow("no tests")
    try:
        tests = [stdio_test(t["input"]["stdin"], t["output"]["stdout"]) for t in raw_tests]
    except (KeyError, TypeError):
        raise SkipRow("bad test", "a test is not {input: {stdin}, output: {stdout}}") from None
    statement = row.get("content") or ""
    examples = example_tests(statement, tests)
    public_index = examples or [0]
    reason = unjudgeable_reason(statement)
    name = labels.get("name") if isinstance(labels, dict) else None
    return ctx.problem(
        source_id=str(row["id"]),
        statement=statement,
        kind="stdio",
        public_tests=[tests[i] for i in public_index],
        private_tests=tests,
        difficulty=labels.get("difficulty") if isinstance(labels, dict) else None,
        tags=[],
        checker="unjudgeable" if reason else "tokens",
        row=row,
        name=name,
        contest_source=labels.get("source") if isinstance(labels, dict) else None,
        unjudgeable_reason=reason,
        public_from_examples=bool(examples),
    )


def normalize_mbpp(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    labels = row.get("labels") or {}
    if isinstance(labels, str):
        labels = _json_field(row, "labels")
    return mbpp.normalize_fields(
        ctx,
        row=row,
        task_id=row.get("id"),
        text=row.get("content"),
        code=row.get("canonical_solution"),
        test_list=row.get("test_list"),
        test_setup_code=labels.get("test_setup_code") or "",
        challenge_test_list=labels.get("challenge_test_list") or [],
    )
