"""Generation backends register themselves: a module of this package that declares, at its top level,
``BACKEND = BackendInfo(...)`` is a backend, found by :func:`discover`. Nothing else lists them: the engine
option check (engine_options.check_engine), the config check, ``mtcodegen generate --backend`` and
:func:`mtcodegen.generate.backends.load_backend` all ask this module.

Discovery reads each module's source first and imports only those that declare ``BACKEND``, so that finding
the backends never starts an engine or imports torch: a backend module imports its engine inside ``load``.
"""

from __future__ import annotations

import ast
import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent
DECLARATION = "BACKEND"


@dataclass(frozen=True)
class BackendInfo:
    """What a backend module declares about itself."""

    name: str  # the config's `backend:` value
    summary: str  # one line, for --help and docs
    options: Mapping[str, str]  # engine option -> what it means (docs/models.md); any other key is refused
    # (model_dir or None, the engine options less `backend`) -> a Backend; imports its engine here, not above
    load: Callable[[Path | None, dict[str, Any]], Any]
    extra: str | None = None  # the pyproject extra with its packages (also pinned in envs/generate.yaml)
    needs_model_dir: bool = True  # whether it reads the materialized checkpoint (scripted and openai do not)


def _declares_backend(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        else:
            targets = [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == DECLARATION for t in targets):
            return True
    return False


@functools.lru_cache(maxsize=1)
def discover() -> dict[str, BackendInfo]:
    """Backend name -> its declaration, sorted by name."""
    found: dict[str, BackendInfo] = {}
    for path in sorted(PACKAGE_DIR.glob("*.py")):
        if path.stem.startswith("_") or path.stem == "registry" or not _declares_backend(path):
            continue
        module = importlib.import_module(f"{__package__}.{path.stem}")
        info = getattr(module, DECLARATION)
        if not isinstance(info, BackendInfo):
            raise TypeError(f"{path}: {DECLARATION} must be a registry.BackendInfo, got {type(info).__name__}")
        if info.name in found:
            raise ValueError(f"{path}: backend name {info.name!r} is already declared by another module")
        found[info.name] = info
    return dict(sorted(found.items()))


def names() -> list[str]:
    return list(discover())


def backend_info(name: str) -> BackendInfo:
    backends = discover()
    if name not in backends:
        raise ValueError(f"unknown generation backend {name!r}; expected one of {', '.join(backends)} "
                         "(a backend is a module of mtcodegen/generate/backends/ declaring BACKEND)")
    return backends[name]
