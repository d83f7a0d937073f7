"""The one interface every generation backend implements: batched chat completion, and requests in flight.

Two ways to drive a backend:

- ``chat(conversations, params)``: one batch, all answers back together (the turn-synchronous loop, the
  benchmarks);
- ``submit(key, conversation, params)`` then ``poll()``: requests in flight, each answer handed back as soon
  as it is done (the cell scheduler, docs/generation.md "Trajectories in flight"). Engines that batch
  continuously (vLLM's engine loop, an OpenAI server with concurrent requests) implement these natively; the
  default here gathers what was submitted since the last ``poll`` into one ``chat`` call, so that every backend
  (the scripted one of the tests, the transformers baseline) runs under the scheduler unchanged.

Each conversation carries its own sampling parameters so that every trajectory has its own seed (reproducible
one by one, whatever the batch it ran in).
"""

from __future__ import annotations

import abc
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": str}


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0
    top_p: float = 0.95
    max_tokens: int = 512
    n: int = 1
    seed: int | None = None
    stop: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" | "length" | "error"


class EngineDied(RuntimeError):
    """The engine behind a backend stopped working mid-run (its process died): nothing more can be generated.
    The message names the requests that were in flight; the engine's own log above holds the cause."""


class Backend(abc.ABC):
    """Batched chat generation. Implementations: vllm (offline engine), openai (HTTP), scripted (tests)."""

    name: str = "backend"
    # Sequences the engine runs at once (None: unknown); the scheduler keeps about twice this many in flight.
    capacity: int | None = None

    @abc.abstractmethod
    def chat(
        self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
    ) -> list[list[Completion]]:
        """One list of ``params[i].n`` completions per conversation, in order."""

    # --- requests in flight (default: what was submitted, as one chat() call per poll) --------------------
    def submit(self, key: Hashable, conversation: Sequence[Message], params: SamplingParams) -> None:
        """Queue one conversation; its completions come back from a later ``poll`` under ``key``."""
        self.__dict__.setdefault("_queued", []).append((key, [dict(m) for m in conversation], params))

    def in_flight(self) -> int:
        """Requests submitted and not yet returned by ``poll``."""
        return len(self.__dict__.get("_queued", ()))

    def poll(self) -> list[tuple[Hashable, list[Completion]]]:
        """Requests finished since the last call, as (key, completions); may block while work is in flight and
        may return an empty list (the engine made progress, nothing finished yet)."""
        queued, self.__dict__["_queued"] = self.__dict__.get("_queued", []), []
        if not queued:
            return []
        results = self.chat([c for _, c, _ in queued], [p for _, _, p in queued])
        if len(results) != len(queued):
            raise RuntimeError(f"backend {self.name!r} returned {len(results)} results for {len(queued)} conversations")
        return [(key, r) for (key, _, _), r in zip(queued, results)]

    def describe(self) -> dict[str, Any]:
        """What ran the model (engine, version, dtype, device), for the generation manifest."""
        return {"backend": self.name}

    def close(self) -> None:  # release the engine / connections
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Borrowed:
    """A backend lent to code that closes what it is given (`generate_cell` closes its backend at the end),
    while its owner keeps the engine for more work: every attribute is the backend's, `close()` does nothing.
    Used where one started engine serves several cells in one process (benchmarks, tests)."""

    def __init__(self, backend: Backend):
        self.backend = backend

    def __getattr__(self, name):
        return getattr(self.backend, name)

    def close(self) -> None:
        pass
