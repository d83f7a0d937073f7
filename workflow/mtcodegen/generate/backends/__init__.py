"""Generation backends (base.Backend) and the factory the loop uses: :func:`load_backend`.

A backend is a module of this package that declares ``BACKEND = registry.BackendInfo(...)``: its name, its
engine options, how to build it and the extra that installs its packages (docs/extending.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import Backend, Completion, Message, SamplingParams

__all__ = ["Backend", "Completion", "Message", "SamplingParams", "load_backend"]


def load_backend(model_dir: str | Path | None, engine: dict[str, Any] | None) -> Backend:
    """The backend a generate node asks for: ``engine`` is its ``params["engine"]`` (plan.py),
    ``{backend: <a discovered backend>, **its engine options}``; ``model_dir`` its checkpoint (a full checkpoint,
    or a LoRA adapter directory whose base checkpoint it names), where the backend reads one."""
    from .engine_options import check_engine
    from .registry import backend_info

    backend, options = check_engine(dict(engine or {}))
    info = backend_info(backend)
    model = Path(model_dir) if model_dir is not None else None
    if info.needs_model_dir and (model is None or not model.is_dir()):
        raise FileNotFoundError(f"model directory {model_dir} does not exist (materialize the model first)")
    return info.load(model, options)
