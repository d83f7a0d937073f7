"""A vllm cell on the model's shared engine (engine_server.py): the openai client with vllm's semantics.

What makes its records those of the in-process engine (vllm_backend.VLLMBackend):

- the server is the same engine (vllm_backend.engine_config), samples from the request's settings only
  (``--generation-config vllm``) and gets every call's own seed;
- a conversation that does not fit ``max_model_len`` ends alone as an ``error`` completion, counted with the
  model's own chat template as in-process (the server would refuse it with HTTP 400 and stop the cell);
- a server that stops answering is an ``EngineDied`` (the cell stops, finished shards are kept, a rerun
  resumes), never a trajectory recorded as ``error``: an in-process engine cannot fail one request alone;
- ``describe()`` says ``backend: vllm`` and what the supervisor recorded (version, device, engine arguments).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .base import Completion, EngineDied, Message, SamplingParams
from .engine_server import Lease, get_json
from .openai_backend import OpenAIBackend, RetriesExhausted

log = logging.getLogger(__name__)
DEFAULT_MAX_NUM_SEQS = 256  # vLLM 0.32's default when engine.max_num_seqs is not set


class ServedVLLMBackend(OpenAIBackend):
    name = "vllm"

    def __init__(self, lease: Lease, tokenizer_dir: str | Path, timeout_s: float = 3600.0):
        self.lease = lease
        kwargs = lease.engine.get("kwargs", {})
        capacity = int(kwargs.get("max_num_seqs") or DEFAULT_MAX_NUM_SEQS)
        # as many requests in flight as the engine batches: the in-process backend's capacity
        super().__init__(lease.url + "/v1", model=lease.model, max_concurrency=capacity, timeout_s=timeout_s,
                         max_retries=3, backoff_s=0.5)
        cards = get_json(lease.url + "/v1/models", timeout=30).get("data") or []
        # the base model's card has it (an adapter's card may not)
        lengths = [c["max_model_len"] for c in cards if c.get("max_model_len")]
        self.max_model_len = int(lengths[0] if lengths else kwargs.get("max_model_len") or 0)
        if not self.max_model_len:
            raise EngineDied(f"the shared vLLM server at {lease.url} reports no max_model_len (log {lease.log_path})")
        from transformers import AutoTokenizer

        self._tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))

    def _prompt_tokens(self, conversation: Sequence[Message]) -> int:
        ids = self._tokenizer.apply_chat_template(list(conversation), tokenize=True, add_generation_prompt=True)
        return len(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)

    def _complete(self, conversation: Sequence[Message], p: SamplingParams) -> list[Completion]:
        if self._prompt_tokens(conversation) >= self.max_model_len:
            log.warning("vLLM (shared): a conversation does not fit max_model_len %d; finishing it as error",
                        self.max_model_len)
            return [Completion("", 0, 0, "error")] * p.n
        return super()._complete(conversation, p)

    def _died(self, why: str) -> EngineDied:
        return EngineDied(f"the shared vLLM engine at {self.lease.url} (supervisor pid {self.lease.info['pid']}) "
                          f"{why}; its log: {self.lease.log_path}")

    def _before_retry(self, reason: str) -> None:
        if not self.lease.alive():
            raise self._died(f"is gone ({reason})")

    def _gave_up(self, err: RetriesExhausted) -> None:
        raise self._died(f"kept failing: {err}")

    def describe(self) -> dict[str, Any]:
        kwargs = self.lease.engine.get("kwargs", {})
        return {"backend": "vllm", "engine": f"{self.lease.engine.get('engine', 'vllm')} (shared server)",
                "dtype": kwargs.get("dtype", "auto"), "device": self.lease.engine.get("device", "unknown"),
                "max_model_len": self.max_model_len, "max_num_seqs": self.capacity,
                "chunked_prefill": bool(kwargs.get("enable_chunked_prefill", True)),
                "shared_engine": self.lease.key, "engine_started_by_this_job": self.lease.started_here}

    def close(self) -> None:
        try:
            self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self.lease.release()
