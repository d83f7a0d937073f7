"""Generation backends (base.Backend) and the factory the loop uses: :func:`load_backend`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import Backend, Completion, Message, SamplingParams

__all__ = ["Backend", "Completion", "Message", "SamplingParams", "load_backend"]


def load_backend(model_dir: str | Path, engine: dict[str, Any] | None) -> Backend:
    """The backend a generate node asks for: ``engine`` is its ``params["engine"]`` (plan.py),
    ``{backend: vllm | openai | transformers, base_url?, **engine options}``; ``model_dir`` its checkpoint
    (a full checkpoint, or a LoRA adapter directory whose base checkpoint it names)."""
    from .engine_options import adapter_base, check_engine

    backend, options = check_engine(dict(engine or {}))
    model_dir = Path(model_dir)
    if backend == "openai":
        base_url = options.pop("base_url", None)
        if not base_url:
            raise ValueError("the openai backend needs engine.base_url (the server's /v1 root)")
        from .openai_backend import OpenAIBackend

        # vllm serve names a model by the path it was started with; llama.cpp ignores the name
        return OpenAIBackend(base_url, model=options.pop("model", str(model_dir)), **options)
    if not model_dir.is_dir():
        raise FileNotFoundError(f"model directory {model_dir} does not exist (materialize the model first)")
    base = adapter_base(model_dir)
    if backend == "vllm":
        from .vllm_backend import VLLMBackend

        return VLLMBackend(base or model_dir, options, lora=model_dir if base else None)
    if base:
        raise ValueError(f"{model_dir} is a LoRA adapter; the transformers baseline takes full checkpoints only")
    from .transformers_backend import TransformersBackend

    return TransformersBackend(model_dir, **options)
