"""Building Problem and Test records (docs/contracts.md §1), and the exception that skips a malformed row."""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Collection
from typing import Any

from .. import typed_json

KINDS = ("stdio", "call")
CHECKERS = ("tokens", "exact", "evalplus", "apps", "unjudgeable")


# A statement beyond this is not a problem statement (CodeContests' longest are ~20 KB; 256 KiB is ~64k tokens,
# more than any context this pipeline gives a model): the row is skipped with the size in its detail.
MAX_STATEMENT_BYTES = 256 * 1024

# The flags of the row being normalized (prepare.py sets a fresh list per row): what is kept but worth saying.
_ROW_FLAGS: contextvars.ContextVar[list[dict[str, str]] | None] = contextvars.ContextVar("row_flags", default=None)


def flag_row(reason: str, detail: str = "") -> None:
    """Report something odd about the row being normalized that does not skip it (report.json "flagged")."""
    flags = _ROW_FLAGS.get()
    if flags is not None:
        flags.append({"reason": reason, "detail": detail})


def collecting_flags() -> list[dict[str, str]]:
    """Start collecting the flags of one row (in this thread's context); returns the list they go to."""
    flags: list[dict[str, str]] = []
    _ROW_FLAGS.set(flags)
    return flags


class SkipRow(Exception):
    """A source row that cannot become a problem. ``reason`` is a short stable label counted in the report;
    ``detail`` says what exactly was wrong with this row."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def source_hash(row: dict[str, Any]) -> str:
    """sha256 of the source row's canonical JSON (values JSON cannot hold are written with str())."""
    text = json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def stdio_test(stdin: Any, stdout: Any) -> dict[str, str]:
    """A stdin/stdout test. Some sources store a test as a list of lines: those are joined with newlines."""
    return {"input": _text(stdin, "input"), "output": _text(stdout, "output")}


def _text(value: Any, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    raise SkipRow("bad test value", f"a stdio test {what} is {type(value).__name__}, not text")


def call_test(args: list | tuple, kwargs: dict | None, expected: Any, tolerance: float | None = None) -> dict:
    """A call test, with its values in typed_json. ``tolerance``: the absolute float tolerance the source's
    check used (``abs(f(x) - y) < tol``); absent means exact comparison."""
    try:
        test = {
            "args": typed_json.encode(list(args)),
            "kwargs": typed_json.encode(dict(kwargs or {})),
            "expected": typed_json.encode(expected),
        }
    except TypeError as err:
        raise SkipRow("test value not storable as data", str(err)) from None
    if tolerance is not None:
        test["tolerance"] = float(tolerance)
    return test


def make_problem(
    *,
    dataset: str,
    split: str,
    source_format: str,
    source_id: str,
    statement: str,
    kind: str,
    public_tests: list[dict],
    private_tests: list[dict],
    row: dict[str, Any],
    entry_point: str | None = None,
    starter_code: str = "",
    difficulty: str | None = None,
    rating: int | None = None,
    time_limit_s: float | None = None,
    memory_limit_mb: int | None = None,
    tags: list[str] | None = None,
    checker: str | None = None,
    reference_solution: str | None = None,
    difficulties: Collection[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """One Problem record; raises SkipRow for what the contract does not allow (no tests, empty statement, a
    statement over MAX_STATEMENT_BYTES). ``difficulties``: the source's known labels; another label is flagged
    and stored as None (the problem is kept: its tests do not depend on it)."""
    if not isinstance(statement, str) or not statement.strip():
        raise SkipRow("empty statement")
    size = len(statement.encode("utf-8", "surrogatepass"))
    if size > MAX_STATEMENT_BYTES:
        raise SkipRow("statement too large", f"{size:,} bytes; the limit is {MAX_STATEMENT_BYTES:,} bytes "
                      "(records.MAX_STATEMENT_BYTES: no real statement comes near it)")
    if difficulty is not None and difficulties is not None and difficulty not in difficulties:
        flag_row("unknown difficulty label", f"{difficulty!r} is not one of the source's labels "
                 f"({', '.join(sorted(map(str, difficulties))[:12])}...); stored as null")
        difficulty = None
    if kind not in KINDS:
        raise ValueError(f"internal: unknown problem kind {kind!r}")
    if kind == "call" and not entry_point:
        raise SkipRow("no entry point", "a call-style problem needs the name of the function to call")
    if not public_tests:
        raise SkipRow("no public tests")
    if not private_tests:
        raise SkipRow("no private tests")
    checker = checker or ("tokens" if kind == "stdio" else "exact")
    if checker not in CHECKERS:
        raise ValueError(f"internal: unknown checker {checker!r}")
    return {
        "id": f"{dataset}/{source_id}",
        "dataset": dataset,
        "split": split,
        "source_format": source_format,
        "statement": statement,
        "kind": kind,
        "entry_point": entry_point if kind == "call" else None,
        "starter_code": starter_code or "",
        "public_tests": public_tests,
        "private_tests": private_tests,
        "difficulty": difficulty,
        "rating": rating,
        "time_limit_s": time_limit_s,
        "memory_limit_mb": memory_limit_mb,
        "tags": list(tags or []),
        "checker": checker,
        "reference_solution": reference_solution or None,
        "source_hash": source_hash(row),
        **extra,
    }


class RowContext:
    """What a normalizer knows besides the row: where it goes and the dataset's options."""

    def __init__(self, dataset: str, split: str, source_format: str, index: int, options: dict[str, Any] | None = None,
                 difficulties: Collection[str] | None = None):
        self.dataset, self.split, self.source_format, self.index = dataset, split, source_format, index
        self.options = options or {}
        self.difficulties = difficulties  # the format's known difficulty labels (prepare.DIFFICULTY_LABELS)

    def problem(self, **fields: Any) -> dict[str, Any]:
        fields.setdefault("difficulties", self.difficulties)
        return make_problem(dataset=self.dataset, split=self.split, source_format=self.source_format, **fields)
