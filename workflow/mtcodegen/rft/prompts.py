"""Remove the reasoning and instruction prompts from user turns, so the finetuned model must produce the
reasoning without being asked. Execution feedback, the statement, the code-format request and the system
prompt stay.

The generator (mtcodegen.generate.loop) writes a turn as
  with reasoning prompts:  user(problem or feedback + reasoning prompts) → assistant(reasoning)
                           → user(instruction prompt + code-format request) → assistant(code)
  without:                 user(problem or feedback + instruction prompt + code-format request) → assistant(code)
Once the prompts are cut, a two-step turn becomes one: user(problem or feedback + code-format request) →
assistant(reasoning + code). That is the shape the finetuned model meets at evaluation (no CoT prompts): it
is asked for code and has to reason on its own first.

Prompt texts come from the same files the generator read (prompts/<category>/<name>.txt; the generate node's
hash covers their digests). Which prompts a turn used is in its Attempt (`reasoning`, `instruction`); each of
them must be found in that turn's user message, otherwise the generator formats prompts in a way this stage
does not know and the training data would silently keep them: that is an error.
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


def _where(trajectory: dict[str, Any], attempt: dict[str, Any]) -> str:
    return f"trajectory {trajectory['problem_id']}#{trajectory['sample']} turn {attempt.get('turn')}"


def _cut(content: str, names: list[str], texts: dict[str, str], where: str) -> str:
    for name in names:
        if name not in texts:
            raise ValueError(f"{where} used prompt {name!r}, which is not among the generator cell's {sorted(texts)}")
        text = texts[name]
        if not text:
            continue  # an empty prompt file adds nothing to remove
        if text not in content:
            raise ValueError(f"{where}: the text of prompt {name!r} is not in its user message; cannot strip it")
        content = content.replace(text, "")
    return _BLANK_RUNS.sub("\n\n", content).strip()


def _take(messages: list[dict[str, str]], at: int, role: str, where: str) -> str:
    if at >= len(messages) or messages[at]["role"] != role:
        found = messages[at]["role"] if at < len(messages) else "the end of the conversation"
        raise ValueError(f"{where}: expected a {role} message at position {at}, found {found}")
    return messages[at]["content"]


def strip_prompts(trajectory: dict[str, Any], texts: dict[str, str]) -> tuple[list[dict[str, str]], int]:
    """The training conversation of one trajectory, and how many prompt texts were cut out of it.

    Messages after the last assistant message (feedback nobody answered) are dropped.
    """
    messages = trajectory["messages"]
    out = []
    at = 0
    if messages and messages[0]["role"] == "system":
        out.append({"role": "system", "content": messages[0]["content"]})
        at = 1
    removed = 0
    for attempt in trajectory["attempts"]:
        where = _where(trajectory, attempt)
        reasoning = [n for n in attempt.get("reasoning") or [] if n != "none"]
        instruction = prompt_names(attempt.get("instruction") or "none")
        if reasoning:
            asked = _cut(_take(messages, at, "user", where), reasoning, texts, where)
            thought = _take(messages, at + 1, "assistant", where)
            if attempt.get("code") is None and at + 2 >= len(messages):
                break  # the reasoning call ended the trajectory; nothing was coded
            format_request = _cut(_take(messages, at + 2, "user", where), instruction, texts, where)
            code = _take(messages, at + 3, "assistant", where)
            user = "\n\n".join(part for part in (asked, format_request) if part)
            assistant = f"{thought.strip()}\n\n{code.strip()}"
            at += 4
        else:
            user = _cut(_take(messages, at, "user", where), instruction, texts, where)
            assistant = _take(messages, at + 1, "assistant", where)
            at += 2
        removed += len(reasoning) + len(instruction)
        out += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return out, removed
