"""The one interface every generation backend implements: batched chat completion.

The multi-turn loop hands a backend all live conversations of a turn at once (turn-synchronous batching) and
gets back ``n`` completions per conversation. Each conversation carries its own sampling parameters so that
every trajectory has its own seed (reproducible one by one, whatever the batch it ran in).
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass, field

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


class Backend(abc.ABC):
    """Batched chat generation. Implementations: vllm (offline engine), openai (HTTP), scripted (tests)."""

    name: str = "backend"

    @abc.abstractmethod
    def chat(
        self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
    ) -> list[list[Completion]]:
        """One list of ``params[i].n`` completions per conversation, in order."""

    def close(self) -> None:  # release the engine / connections
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
