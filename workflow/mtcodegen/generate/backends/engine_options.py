"""The model config's ``engine:`` mapping, checked once for every backend (unknown keys are errors, not ignored),
against the options the backend's module declares (registry.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Which options each backend takes is declared by the backend's own module (registry.BackendInfo.options);
# `backend` itself names one of them.


def __getattr__(name: str) -> Any:
    # KNOWN (backend -> option -> meaning) is derived from the declarations, found when first asked for.
    if name == "KNOWN":
        from .registry import discover

        return {backend: dict(info.options) for backend, info in discover().items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_engine(engine: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(backend name, the remaining options) after checking every key is one the backend knows."""
    if not isinstance(engine, dict):
        raise ValueError(f"engine options must be a mapping, got {type(engine).__name__}")
    from .registry import backend_info

    options = dict(engine)
    backend = options.pop("backend", "vllm")
    known = backend_info(backend).options  # an unknown backend is named with the discovered ones
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ValueError(f"engine option(s) {', '.join(unknown)} are not known to the {backend} backend; "
                         f"known: {', '.join(sorted(known))}")
    return backend, options


def adapter_base(model_dir: Path) -> Path | None:
    """The base checkpoint of a PEFT LoRA adapter directory, or None when ``model_dir`` is a full checkpoint."""
    config = model_dir / "adapter_config.json"
    if not config.is_file():
        return None
    base = json.loads(config.read_text()).get("base_model_name_or_path")
    if not base:
        raise ValueError(f"{config} names no base_model_name_or_path: cannot tell which model the adapter is for")
    base_path = Path(base)
    if not base_path.is_absolute() and not (base_path / "config.json").is_file():
        # relative to the adapter, where it is no checkpoint relative to the cwd (a stray ../base beside the
        # working directory must not hide the adapter's own base)
        base_path = (model_dir / base_path).resolve()
    if not (base_path / "config.json").is_file():
        raise FileNotFoundError(f"the base model {base} of adapter {model_dir} is not a local checkpoint")
    return base_path
