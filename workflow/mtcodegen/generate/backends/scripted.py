"""A scripted fake backend: canned responses instead of a model, for tests and dry runs of the loop.

A response is chosen per conversation by a ``responder(conversation, params) -> str`` function, or, from a
script (a dict or a JSON file, usable from the CLI with ``--backend scripted``), by how many assistant turns the
conversation already has: ``{"responses": ["first call", "second call", ...], "delay_s": 0.0}`` (the last
response repeats).
Responses are returned verbatim (nothing is rendered in them).

Every batch is recorded in ``calls`` so that tests can assert turn-synchronous batching. Token counts are
whitespace-separated words, which is enough for the stats and the logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .base import Backend, Completion, Message, SamplingParams
from .registry import BackendInfo

Responder = Callable[[Sequence[Message], SamplingParams], str]


class ScriptedBackend(Backend):
    name = "scripted"

    def __init__(self, responder: Responder | None = None, *, responses: Sequence[str] | None = None,
                 delay_s: float = 0.0):
        if responder is None:
            if not responses:
                raise ValueError("scripted backend: give a responder or a non-empty `responses` list")
            script = [str(r) for r in responses]

            def responder(conversation: Sequence[Message], params: SamplingParams) -> str:
                done = sum(1 for m in conversation if m["role"] == "assistant")
                return script[min(done, len(script) - 1)]

        self.responder = responder
        self.delay_s = float(delay_s)
        self.calls: list[list[list[Message]]] = []  # one entry per chat() call: copies of its conversations
        self.params: list[list[SamplingParams]] = []  # the sampling params of each call

    @classmethod
    def from_script(cls, script: dict[str, Any] | str | Path) -> ScriptedBackend:
        if not isinstance(script, dict):
            path = Path(script)
            if not path.is_file():
                raise FileNotFoundError(f"scripted backend: script file not found: {path}")
            try:
                script = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ValueError(f"scripted backend: {path} is not valid JSON ({err.msg})") from None
        if not isinstance(script, dict) or not isinstance(script.get("responses"), list):
            raise ValueError("scripted backend: the script needs a `responses` list")
        return cls(responses=script["responses"], delay_s=script.get("delay_s", 0.0))

    def chat(self, conversations: Sequence[Sequence[Message]], params: Sequence[SamplingParams]
             ) -> list[list[Completion]]:
        if len(conversations) != len(params):
            raise ValueError(f"scripted backend: {len(conversations)} conversations but {len(params)} params")
        self.calls.append([[dict(m) for m in c] for c in conversations])
        self.params.append(list(params))
        if self.delay_s:
            time.sleep(self.delay_s)
        out = []
        for conversation, p in zip(conversations, params):
            prompt_tokens = sum(len(m["content"].split()) for m in conversation)
            completions = []
            for _ in range(p.n):
                text = self.responder(conversation, p)
                completions.append(Completion(text=text, prompt_tokens=prompt_tokens,
                                              completion_tokens=len(str(text).split()), finish_reason="stop"))
            out.append(completions)
        return out


# --- registration (backends/registry.py): this module is the `scripted` backend --------------------------------
def _load(model_dir: Path | None, options: dict[str, Any]) -> ScriptedBackend:
    if not options.get("script"):
        raise ValueError("the scripted backend needs --script FILE (engine.script: a JSON `responses` list)")
    return ScriptedBackend.from_script(options["script"])


BACKEND = BackendInfo(
    "scripted", "canned responses instead of a model (engine.script), for tests: a whole DAG in seconds",
    {"script": "JSON file with a `responses` list (relative to the working directory)"},
    _load, extra=None, needs_model_dir=False,
)
