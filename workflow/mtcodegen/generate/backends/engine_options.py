"""The model config's ``engine:`` mapping, checked once for every backend (unknown keys are errors, not ignored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Keys every backend accepts, and what each means (docs/models.md).
COMMON = {"backend": "vllm | openai | transformers | scripted"}
VLLM = {
    "dtype": "float32 | bfloat16 | float16 | auto",
    "enforce_eager": "skip graph compilation: start-up in seconds instead of minutes (CPU: always wanted)",
    "max_model_len": "context length the engine reserves for",
    "kv_cache_gb": "KV-cache size in GiB (CPU: VLLM_CPU_KVCACHE_SPACE; GPU: kv_cache_memory_bytes)",
    "gpu_memory_utilization": "GPU share vLLM may take",
    "tensor_parallel_size": "GPUs per model",
    "seed": "engine seed (per-trajectory seeds are set by the loop)",
    "max_num_seqs": "most sequences batched at once",
    "max_num_batched_tokens": "tokens one engine step may process (CPU: at least max_model_len, see below)",
    "enable_chunked_prefill": "split long prompts across steps (CPU: must stay off, vllm_backend.py says why)",
    "cpu_threads": "CPU: cores to bind the OpenMP threads to, e.g. '0-1' (VLLM_CPU_OMP_THREADS_BIND)",
    "enable_prefix_caching": "reuse the KV cache of shared prefixes (default true: later turns reuse earlier)",
    "lora": "path of a LoRA adapter applied to every request (found automatically in an adapter directory)",
    "max_lora_rank": "largest LoRA rank to reserve for",
    "share_engine": "default true: the workflow's cells of this model share one running engine (engine_server.py)",
}
OPENAI = {
    "base_url": "server root, e.g. http://127.0.0.1:8000/v1",
    "api_key_env": "name of the environment variable holding the API key (the key itself is never logged)",
    "model": "model name the server knows (default: the checkpoint directory name)",
    "max_concurrency": "requests in flight at once",
    "timeout_s": "per-request timeout",
    "max_retries": "retries on 429/5xx/timeouts, with exponential backoff",
    "backoff_s": "first backoff delay; doubles each retry",
}
TRANSFORMERS = {
    "dtype": VLLM["dtype"], "batch_size": "conversations per generate() call", "cpu_threads": "torch threads",
}
# Canned responses instead of a model (backends/scripted.py): a whole DAG runs in seconds, for tests.
SCRIPTED = {"script": "JSON file with a `responses` list (relative to the working directory)"}
KNOWN = {"vllm": VLLM, "openai": OPENAI, "transformers": TRANSFORMERS, "scripted": SCRIPTED}


def check_engine(engine: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(backend name, the remaining options) after checking every key is one the backend knows."""
    if not isinstance(engine, dict):
        raise ValueError(f"engine options must be a mapping, got {type(engine).__name__}")
    options = dict(engine)
    backend = options.pop("backend", "vllm")
    if backend not in KNOWN:
        raise ValueError(f"unknown generation backend {backend!r}; expected one of {', '.join(KNOWN)}")
    unknown = sorted(set(options) - set(KNOWN[backend]))
    if unknown:
        raise ValueError(f"engine option(s) {', '.join(unknown)} are not known to the {backend} backend; "
                         f"known: {', '.join(sorted(KNOWN[backend]))}")
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
    if not base_path.is_absolute() and not base_path.exists():
        base_path = (model_dir / base_path).resolve()  # relative to the adapter, where it is not to the cwd
    if not (base_path / "config.json").is_file():
        raise FileNotFoundError(f"the base model {base} of adapter {model_dir} is not a local checkpoint")
    return base_path
