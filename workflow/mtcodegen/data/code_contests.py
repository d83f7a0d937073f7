"""CodeContests (``deepmind/code_contests`` schema) -> stdio problems.

Public tests: ``public_tests``. Private tests: ``private_tests`` plus, by default, ``generated_tests``
(option ``generated_tests: private``; ``ignore`` leaves them out). AlphaCode's evaluation judges on all
hidden tests, and the private tests alone are often just a handful. ``difficulty`` is the dataset's
enum (an int on the hub, or its name); ``time_limit {seconds, nanos}`` and ``memory_limit_bytes`` become
seconds and MiB; ``cf_rating`` (0 = unrated -> null) and ``cf_tags`` are kept. The reference solution is
the first Python 3 solution. Problems reading/writing named files instead of stdio are skipped.

A copy without generated tests (``generated_tests: null``, e.g. ../shared/data's whole test split) is a
weaker judge than AlphaCode's or the paper's: each problem says so in ``generated_tests_available: false``.
A problem with no private test is skipped ("no private tests", in the report) unless
``options: {no_private_tests: public}``: then its public tests are its private ones too
(``private_from_public: true``), which only checks the examples.
"""

from __future__ import annotations

from typing import Any

from .records import RowContext, SkipRow, stdio_test
from .statements import unjudgeable_reason

# deepmind/code_contests class labels.
DIFFICULTIES = ["UNKNOWN_DIFFICULTY", "EASY", "MEDIUM", "HARD", "HARDER", "HARDEST", "EXTERNAL"] + [
    chr(c) for c in range(ord("A"), ord("V") + 1)
]
SOURCES = ["UNKNOWN_SOURCE", "CODECHEF", "CODEFORCES", "HACKEREARTH", "CODEJAM", "ATCODER", "AIZU"]
LANGUAGES = ["UNKNOWN_LANGUAGE", "PYTHON", "CPP", "PYTHON3", "JAVA"]
GENERATED_TESTS = ("private", "ignore")
# What a problem without private tests becomes: skipped (reported), or judged on its public tests alone.
NO_PRIVATE_TESTS = ("skip", "public")


def _label(value: Any, names: list[str], what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in names:
            raise SkipRow(f"bad {what}", f"{what} {value!r} is not one of the dataset's labels")
        return value
    if isinstance(value, int) and 0 <= value < len(names):
        return names[value]
    raise SkipRow(f"bad {what}", f"{what} {value!r} is out of range")


def _tests(row: dict[str, Any], key: str) -> list[dict[str, str]]:
    block = row.get(key) or {}
    if not isinstance(block, dict):
        raise SkipRow("bad tests", f"`{key}` is not {{input: [...], output: [...]}}")
    inputs, outputs = block.get("input") or [], block.get("output") or []
    if len(inputs) != len(outputs):
        raise SkipRow("bad tests", f"`{key}` has {len(inputs)} inputs but {len(outputs)} outputs")
    return [stdio_test(i, o) for i, o in zip(inputs, outputs)]


def _python3_solution(row: dict[str, Any]) -> str | None:
    block = row.get("solutions") or {}
    for language, code in zip(block.get("language") or [], block.get("solution") or []):
        if _label(language, LANGUAGES, "language") == "PYTHON3" and code and code.strip():
            return code
    return None


def _time_limit(value: Any) -> float | None:
    if not isinstance(value, dict):
        return None
    seconds = (value.get("seconds") or 0) + (value.get("nanos") or 0) / 1e9
    return float(seconds) if seconds > 0 else None


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    generated = ctx.options.get("generated_tests", "private")
    if generated not in GENERATED_TESTS:
        raise ValueError(f"options.generated_tests: {generated!r} is not one of: {', '.join(GENERATED_TESTS)}")
    name = row.get("name")
    if not name:
        raise SkipRow("no id", "the row has no name")
    if row.get("input_file") or row.get("output_file"):
        raise SkipRow("file input/output", "the problem reads or writes named files, not stdin/stdout")
    no_private = ctx.options.get("no_private_tests", "skip")
    if no_private not in NO_PRIVATE_TESTS:
        raise ValueError(f"options.no_private_tests: {no_private!r} is not one of: {', '.join(NO_PRIVATE_TESTS)}")
    public = _tests(row, "public_tests")
    # A copy without the generated tests has them as null (the shared test split): a weaker judge, said so.
    generated_available = row.get("generated_tests") is not None
    private = _tests(row, "private_tests") + (_tests(row, "generated_tests") if generated == "private" else [])
    private_from_public = not private and no_private == "public"
    if private_from_public:
        private = list(public)
    statement = row.get("description") or ""
    reason = unjudgeable_reason(statement)
    memory = row.get("memory_limit_bytes") or 0
    rating = row.get("cf_rating") or None
    return ctx.problem(
        source_id=name,
        statement=statement,
        kind="stdio",
        public_tests=public,
        private_tests=private,
        difficulty=_label(row.get("difficulty"), DIFFICULTIES, "difficulty"),
        rating=int(rating) if rating else None,
        time_limit_s=_time_limit(row.get("time_limit")),
        memory_limit_mb=int(memory) // (1 << 20) if memory else None,
        tags=[t for t in row.get("cf_tags") or [] if t],
        checker="unjudgeable" if reason else "tokens",
        reference_solution=_python3_solution(row),
        row=row,
        contest_source=_label(row.get("source"), SOURCES, "source"),
        unjudgeable_reason=reason,
        generated_tests_available=generated_available,
        **({"private_from_public": True} if private_from_public else {}),
    )
