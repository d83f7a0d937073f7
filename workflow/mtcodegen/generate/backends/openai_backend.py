"""OpenAI-compatible HTTP backend (``/v1/chat/completions``): ``vllm serve``, llama.cpp's server, hosted APIs.

One request per conversation (``n`` samples each), at most ``max_concurrency`` in flight, retried with
exponential backoff on 429, 5xx, timeouts and dropped connections; a request still failing after the last
retry yields ``finish_reason="error"`` completions (the rest of the batch is kept), while a client
error (400/401/404...) raises at once: it is a configuration mistake that every request would repeat.
Standard library only: no client package to pin. The API key is read from the environment variable the
config names and never logged.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from .base import Backend, Completion, Message, SamplingParams
from .registry import BackendInfo

log = logging.getLogger(__name__)
RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIBackendError(RuntimeError):
    """A request the server refused (a client error such as 400/401/404: wrong model name, key, payload)."""


class RetriesExhausted(OpenAIBackendError):
    """A request that kept failing with 429/5xx/timeouts after every retry."""


class OpenAIBackend(Backend):
    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key_env: str | None = None,
        max_concurrency: int = 8,
        timeout_s: float = 600.0,
        max_retries: int = 5,
        backoff_s: float = 1.0,
    ):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"openai backend: base_url {base_url!r} must start with http:// or https://")
        self.url = base_url.rstrip("/") + "/chat/completions"
        if not base_url.rstrip("/").endswith("/v1"):
            log.warning("openai backend: base_url %s does not end in /v1; posting to %s", base_url, self.url)
        self.model = model
        self._headers = {"Content-Type": "application/json"}
        if api_key_env:
            key = os.environ.get(api_key_env)
            if not key:
                raise ValueError(f"openai backend: the API key variable {api_key_env} is not set")
            self._headers["Authorization"] = f"Bearer {key}"
        self.max_concurrency = max(1, int(max_concurrency))
        self.timeout_s, self.max_retries, self.backoff_s = float(timeout_s), int(max_retries), float(backoff_s)
        self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="openai")
        self.capacity = self.max_concurrency
        self._flight: dict[Any, Any] = {}  # future -> key (requests in flight, see submit/poll)
        log.info("openai backend: %s, model %s, %d in flight, timeout %.0fs, key from %s", self.url, model,
                 self.max_concurrency, self.timeout_s, api_key_env or "(none)")

    def chat(
        self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
    ) -> list[list[Completion]]:
        if len(conversations) != len(params):
            raise ValueError(f"{len(conversations)} conversations but {len(params)} sampling parameters")
        return list(self._pool.map(self._complete, conversations, params))

    # Requests in flight: each one its own HTTP request, answered as soon as the server answers it.
    def submit(self, key, conversation: Sequence[Message], params: SamplingParams) -> None:
        self._flight[self._pool.submit(self._complete, list(conversation), params)] = key

    def in_flight(self) -> int:
        return len(self._flight)

    def poll(self):
        if not self._flight:
            return []
        # A short wait, so that the caller also sees its judge's verdicts while requests are out.
        done, _ = wait(list(self._flight), timeout=0.05, return_when=FIRST_COMPLETED)
        return [(self._flight.pop(f), f.result()) for f in done]

    def describe(self) -> dict[str, Any]:
        return {"backend": "openai", "engine": f"OpenAI-compatible server at {self.url}", "model": self.model,
                "dtype": "the server's", "device": "the server's"}

    def _payload(self, conversation: Sequence[Message], p: SamplingParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model, "messages": list(conversation), "n": p.n, "temperature": p.temperature,
            "top_p": p.top_p, "max_tokens": p.max_tokens,
        }
        if p.seed is not None:
            body["seed"] = p.seed
        if p.stop:
            body["stop"] = list(p.stop)
        return body

    def _complete(self, conversation: Sequence[Message], p: SamplingParams) -> list[Completion]:
        try:
            response = self._post(self._payload(conversation, p))
        except RetriesExhausted as err:
            self._gave_up(err)
            # One overloaded request must not lose the rest of the batch: its trajectory ends as "error".
            log.error("openai backend: %s; returning %d error completion(s)", err, p.n)
            return [Completion(text="", prompt_tokens=0, completion_tokens=0, finish_reason="error")] * p.n
        choices = sorted(response.get("choices") or [], key=lambda c: c.get("index", 0))
        if len(choices) != p.n:
            raise OpenAIBackendError(f"{self.url} returned {len(choices)} choices for n={p.n}")
        usage = response.get("usage") or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        # usage counts all n choices together; split it evenly when the server gives no per-choice count
        total = int(usage.get("completion_tokens") or 0)
        return [
            Completion(
                text=(c.get("message") or {}).get("content") or "",
                prompt_tokens=prompt_tokens,
                completion_tokens=total // p.n + (1 if i < total % p.n else 0),
                finish_reason=c.get("finish_reason") if c.get("finish_reason") in ("stop", "length") else "error",
            )
            for i, c in enumerate(choices)
        ]

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        data = json.dumps(body).encode()
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(self.url, data=data, headers=self._headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                    return json.loads(reply.read())
            except urllib.error.HTTPError as err:
                detail = err.read()[:300].decode(errors="replace")
                if err.code not in RETRY_STATUS:
                    raise OpenAIBackendError(f"{self.url}: HTTP {err.code}: {detail}") from None
                reason, retry_after = f"HTTP {err.code}", _retry_after(err)
            except (TimeoutError, socket.timeout, urllib.error.URLError, ConnectionError,
                    http.client.HTTPException) as err:  # HTTPException: a reply cut off (IncompleteRead)
                reason, retry_after = f"{type(err).__name__}: {getattr(err, 'reason', err)}", None
            self._before_retry(reason)
            if attempt == self.max_retries:
                raise RetriesExhausted(f"{self.url}: gave up after {attempt + 1} tries ({reason})")
            delay = retry_after if retry_after is not None else self.backoff_s * 2**attempt * (0.5 + random.random())
            log.warning("openai backend: %s; retry %d/%d in %.1fs", reason, attempt + 1, self.max_retries, delay)
            time.sleep(delay)
        raise AssertionError("unreachable")

    # Hooks for a server this run owns (served.py): a dead server is an EngineDied, not a failed request.
    def _before_retry(self, reason: str) -> None:
        """Called after each failed try, before waiting to retry; may raise to stop retrying."""

    def _gave_up(self, err: RetriesExhausted) -> None:
        """Called when a request failed every retry, before it becomes error completions; may raise."""

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _retry_after(err: urllib.error.HTTPError) -> float | None:
    value = err.headers.get("Retry-After") if err.headers else None
    try:
        return min(float(value), 60.0) if value else None
    except ValueError:
        return None


# --- registration (backends/registry.py): this module is the `openai` backend ----------------------------------
def _load(model_dir: Any, options: dict[str, Any]) -> OpenAIBackend:
    base_url = options.pop("base_url", None)
    if not base_url:
        raise ValueError("the openai backend needs engine.base_url (the server's /v1 root)")
    # vllm serve names a model by the path it was started with; llama.cpp ignores the name
    model = options.pop("model", None) or (str(model_dir) if model_dir is not None else None)
    if not model:
        raise ValueError("the openai backend needs engine.model or a model directory to name the served model")
    return OpenAIBackend(base_url, model=model, **options)


OPTIONS = {
    "base_url": "server root, e.g. http://127.0.0.1:8000/v1",
    "api_key_env": "name of the environment variable holding the API key (the key itself is never logged)",
    "model": "model name the server knows (default: the checkpoint directory name)",
    "max_concurrency": "requests in flight at once",
    "timeout_s": "per-request timeout",
    "max_retries": "retries on 429/5xx/timeouts, with exponential backoff",
    "backoff_s": "first backoff delay; doubles each retry",
}
# Standard library only: no extra. The checkpoint directory only names the model (the server has the weights).
BACKEND = BackendInfo("openai", "an OpenAI-compatible HTTP server (vllm serve, llama.cpp, hosted APIs)", OPTIONS,
                      _load, extra=None, needs_model_dir=False)
