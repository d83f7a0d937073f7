"""Remove the reasoning and instruction prompts from user turns, so the finetuned model must produce the
reasoning without being asked. Execution feedback, the statement and the system prompt stay.

Prompt texts come from the same files the generator read (prompts/<category>/<name>.txt; the generate node's
hash covers their digests). Which prompts a turn used is in its Attempt (`reasoning`, `instruction`); each
of them must be found in that turn's user message, otherwise the generator formats prompts in a way this
stage does not know and training on the result would silently keep them: that is an error.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..config import prompt_names

CATEGORIES = ("reasoning", "instruction")
_BLANK_RUNS = re.compile(r"\n{3,}")


def load_prompt_texts(prompts_dir: str | Path, generator: dict[str, Any]) -> dict[str, str]:
    """``{name: text}`` of every reasoning/instruction prompt the generator cell may have used."""
    texts = {}
    for category in CATEGORIES:
        for name in prompt_names(generator.get(category) or "none"):
            path = Path(prompts_dir) / category / f"{name}.txt"
            if not path.is_file():
                raise FileNotFoundError(f"prompt file of the RFT generator's {category} prompt {name!r}: {path}")
            texts[name] = path.read_text(encoding="utf-8").strip()
    return texts


def _turn_prompt_names(attempt: dict[str, Any]) -> list[str]:
    names = list(attempt.get("reasoning") or [])
    if attempt.get("instruction"):
        names.append(attempt["instruction"])
    return [n for n in names if n != "none"]


def _remove(content: str, text: str) -> str:
    return _BLANK_RUNS.sub("\n\n", content.replace(text, "")).strip()


def strip_prompts(trajectory: dict[str, Any], texts: dict[str, str]) -> tuple[list[dict[str, str]], int]:
    """The trajectory's messages with the prompt texts cut out of user turns; and how many were cut.

    The user message before the t-th assistant message is turn t's prompt (docs/contracts.md §3).
    Messages after the last assistant message (feedback nobody answered) are dropped: there is nothing to learn
    from them.
    """
    messages = [{"role": m["role"], "content": m["content"]} for m in trajectory["messages"]]
    assistant_at = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
    attempts = trajectory["attempts"]
    if len(assistant_at) != len(attempts):
        raise ValueError(
            f"trajectory {trajectory['problem_id']}#{trajectory['sample']}: {len(assistant_at)} assistant messages "
            f"but {len(attempts)} attempts"
        )
    removed = 0
    for attempt, at in zip(attempts, assistant_at):
        user = at - 1
        if user < 0 or messages[user]["role"] != "user":
            raise ValueError(
                f"trajectory {trajectory['problem_id']}#{trajectory['sample']}: assistant message {at} "
                "does not follow a user message"
            )
        for name in _turn_prompt_names(attempt):
            if name not in texts:
                raise ValueError(
                    f"trajectory {trajectory['problem_id']}#{trajectory['sample']} turn {attempt.get('turn')} "
                    f"used prompt {name!r}, which is not among the generator cell's prompts {sorted(texts)}"
                )
            text = texts[name]
            if not text:
                continue  # an empty prompt file adds nothing to remove
            if text not in messages[user]["content"]:
                raise ValueError(
                    f"trajectory {trajectory['problem_id']}#{trajectory['sample']} turn {attempt.get('turn')}: "
                    f"the text of prompt {name!r} is not in its user message; cannot strip it"
                )
            messages[user]["content"] = _remove(messages[user]["content"], text)
            removed += 1
    # A prompt text can also appear in a turn whose attempt did not list it (a generator that repeats the
    # instruction); remove any left in user turns.
    for m in messages:
        if m["role"] == "user":
            for text in texts.values():
                if text and text in m["content"]:
                    m["content"] = _remove(m["content"], text)
                    removed += 1
    return messages[: assistant_at[-1] + 1], removed
