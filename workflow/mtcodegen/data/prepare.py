"""One dataset split -> sorted Problem records + a report; the format registry.

Malformed rows never crash the run and are never dropped silently: a normalizer raises SkipRow, and the
report counts it by reason and lists the row's id (docs/data.md, "The report").
"""

from __future__ import annotations

import os
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from . import apps, code_contests, evalplus, humaneval, mbpp, sandboxfusion, taco
from .records import RowContext, SkipRow, collecting_flags
from .sources import SourceReport, load_rows
from ..problem_order import problem_order

Normalizer = Callable[[dict[str, Any], RowContext], dict[str, Any]]

FORMATS: dict[str, Normalizer] = {
    "code_contests": code_contests.normalize,
    "taco": taco.normalize,
    "humaneval": humaneval.normalize,
    "humaneval_plus": humaneval.normalize,
    "evalplus": evalplus.normalize,
    "apps": apps.normalize,
    "mbpp": mbpp.normalize,
    "sandboxfusion_code_contests": sandboxfusion.normalize_code_contests,
    "sandboxfusion_mbpp": sandboxfusion.normalize_mbpp,
}
ID_FIELDS = ("task_id", "id", "name")
# Each format's difficulty labels: any other label is flagged in the report and stored as null (records.py).
DIFFICULTY_LABELS: dict[str, tuple[str, ...]] = {
    "code_contests": tuple(code_contests.DIFFICULTIES),
    "sandboxfusion_code_contests": tuple(code_contests.DIFFICULTIES),  # the same CodeContests labels
    "taco": tuple(taco.DIFFICULTIES),
}
# Formats whose local JSONL files are read with Python's json, not Arrow (integers beyond 64 bits).
PLAIN_JSON_FORMATS = {"evalplus"}


def _row_label(row: dict[str, Any], index: int) -> str:
    for key in ID_FIELDS:
        if row.get(key) not in (None, ""):
            return str(row[key])
    return f"row {index}"


def check_params(params: dict[str, Any]) -> None:
    for key in ("dataset", "format", "split", "source"):
        if key not in params:
            raise ValueError(f"params: missing key {key!r} (expected dataset, format, split, source)")
    if params["format"] not in FORMATS:
        raise ValueError(f"params.format: unknown format {params['format']!r} (known: {', '.join(FORMATS)})")
    pinned = params.get("package_version")
    if pinned:
        _check_package_version(pinned)
    limit = params.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"params.limit: expected a positive integer, got {limit!r}")


def _check_package_version(pinned: str) -> None:
    """The plan hashes the package version it expects; a different installed version is different data."""
    from importlib.metadata import PackageNotFoundError, version

    name, _, wanted = pinned.partition("==")
    try:
        installed = version(name)
    except PackageNotFoundError:
        raise FileNotFoundError(f"params.package_version: {pinned} is not installed (pip install {pinned})") from None
    if installed != wanted:
        raise ValueError(f"params.package_version: the plan expects {pinned} but {name}=={installed} is installed")


def _bounded_map(function, items, workers: int):
    """``map`` over threads, in order, with a bounded number of items in flight (hub splits can be large).
    Normalizers spend their time waiting on reference subprocesses, so threads overlap them."""
    if workers <= 1:
        yield from map(function, items)
        return
    with ThreadPoolExecutor(workers) as pool:
        window: deque = deque()
        for item in items:
            window.append(pool.submit(function, item))
            if len(window) >= 4 * workers:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()


def prepare(params: dict[str, Any], root: Path | None = None,
            workers: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return (problems sorted by id, report). ``workers``: rows normalized at once (default: one per core).

    No bad row sinks the split: a line that cannot be read (not UTF-8, not JSON), a row the normalizer skips
    and a second row with an id already seen (the first is kept) are each reported with their file and line;
    what is kept but odd (an unknown difficulty label, a reference that times out) is flagged."""
    check_params(params)
    normalize = FORMATS[params["format"]]
    options = params.get("options", {})
    difficulties = DIFFICULTY_LABELS.get(params["format"])
    problems: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    source = SourceReport()

    def one(indexed_row):
        index, row = indexed_row
        ctx = RowContext(params["dataset"], params["split"], params["format"], index, options, difficulties)
        flags = collecting_flags()
        label = {"row": _row_label(row, index), "index": index}
        try:
            return normalize(row, ctx), label, flags
        except SkipRow as skip:
            return None, {**label, "reason": skip.reason, "detail": skip.detail}, flags

    rows = enumerate(load_rows(params["source"], params["split"], root,
                               plain_json=params["format"] in PLAIN_JSON_FORMATS, report=source))
    first_seen: dict[str, dict[str, Any]] = {}
    rows_read = 0
    for problem, label, flags in _bounded_map(one, rows, workers or os.cpu_count() or 1):
        rows_read += 1
        where = source.where(label["index"])
        flagged += [{**label, **where, **flag} for flag in flags]
        if problem is None:
            skipped.append({**label, **where})
        elif problem["id"] in first_seen:  # file order: the first row with an id is kept, later ones reported
            first = first_seen[problem["id"]]
            at = f"line {first['line']}" if "line" in first else f"row {first.get('row', first['index'])}"
            skipped.append({**label, **where, "reason": "duplicate id",
                            "detail": f"{problem['id']!r} was already read at {at}; the first row is kept"})
        else:
            first_seen[problem["id"]] = {**label, **where}
            problems.append(problem)
    # Lines that never became rows: reported where they are, counted as read.
    skipped += [{"row": f"line {bad['line']}", "index": None, **bad} for bad in source.bad]
    rows_read += len(source.bad)
    problems.sort(key=lambda p: problem_order(p["id"]))
    limited = 0
    if params.get("limit") is not None and len(problems) > params["limit"]:
        limited = len(problems) - params["limit"]
        problems = problems[: params["limit"]]
    report = build_report(params, problems, skipped, rows_read, limited)
    report["flagged"] = dict(sorted(Counter(f["reason"] for f in flagged).items()))
    report["flagged_rows"] = flagged
    report["reader"] = source.reader
    return problems, report


def build_report(params, problems, skipped, rows_read, limited) -> dict[str, Any]:
    def count(key):
        return dict(sorted(Counter(str(p.get(key)) for p in problems).items()))

    return {
        "dataset": params["dataset"],
        "split": params["split"],
        "format": params["format"],
        "rows_read": rows_read,
        "problems": len(problems),
        "dropped_by_limit": limited,
        "skipped": dict(sorted(Counter(s["reason"] for s in skipped).items())),
        "skipped_rows": skipped,
        "tests": {
            "public": sum(len(p["public_tests"]) for p in problems),
            "private": sum(len(p["private_tests"]) for p in problems),
        },
        "kinds": count("kind"),
        "checkers": count("checker"),
        "unjudgeable": sum(p["checker"] == "unjudgeable" for p in problems),
        "difficulties": count("difficulty"),
        "with_reference_solution": sum(p["reference_solution"] is not None for p in problems),
        "with_tolerance": sum(any("tolerance" in t for t in p["private_tests"]) for p in problems),
        "tests_from": dict(sorted(Counter(p["tests_from"] for p in problems if "tests_from" in p).items())),
    }
