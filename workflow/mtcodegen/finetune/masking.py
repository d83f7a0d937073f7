"""Tokenize a chat and mark which tokens the loss may see: the assistant turns (with their end-of-turn token).

TRL's own `assistant_only_loss` needs a chat template with `{% generation %}` tags, which the Qwen2.5 and
SmolLM2 templates lack. Instead each assistant message's character span is found by rendering the
conversation up to it (with the generation prompt) and up to its end, and tokens starting inside a span are
marked. The rendering of a prefix must be a prefix of the whole rendering; a template for which it is not
(one that rewrites earlier turns) is refused rather than masked wrongly.
"""

from __future__ import annotations

from typing import Any


def _render(tokenizer, messages: list[dict[str, str]], generation_prompt: bool = False) -> str:
    if not messages:
        return ""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)


def assistant_spans(tokenizer, messages: list[dict[str, str]]) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the [start, end) character spans of its assistant turns."""
    text = _render(tokenizer, messages)
    spans = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], generation_prompt=True)
        through = _render(tokenizer, messages[: i + 1])
        if not (text.startswith(before) and text.startswith(through) and len(before) < len(through)):
            raise ValueError(
                "the chat template does not render conversations prefix-consistently (assistant turn "
                f"{i}); cannot locate assistant tokens for the loss mask"
            )
        spans.append((len(before), len(through)))
    return text, spans


def tokenize_chat(tokenizer, messages: list[dict[str, str]], max_length: int | None) -> dict[str, Any]:
    """``{"input_ids": [...], "assistant_masks": [0/1 ...]}``, truncated to ``max_length`` tokens."""
    text, spans = assistant_spans(tokenizer, messages)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
    mask = [int(any(start <= s < end for start, end in spans)) for s, _ in offsets]
    if max_length is not None:
        ids, mask = ids[:max_length], mask[:max_length]
    return {"input_ids": ids, "assistant_masks": mask}
