"""Prompts are data: plain-text templates under ``prompts/``, loaded by name and rendered with placeholders.

A template is text with ``{name}`` placeholders (``name`` a Python identifier); ``{{`` and ``}}`` write
literal braces. :func:`render` fills every placeholder from keyword values and refuses a template that names a
value it was not given, so a typo in a prompt file fails loudly instead of reaching the model. Values are
inserted verbatim: braces inside a problem statement or a test's output are never interpreted.

Layout (docs/generation.md): ``system.txt``, ``code_block.txt``, ``reasoning/<name>.txt``,
``instruction/<name>.txt``, ``feedback/<type>.txt`` and the CoT-retry schedule ``cot_retry.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..config import PROJECT_ROOT, prompt_names

PROMPTS_DIR = PROJECT_ROOT / "prompts"
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
COT_RETRY_USES = ("reasoning", "instruction")


def render(template: str, source: str = "template", **values: object) -> str:
    """Fill ``{name}`` placeholders from ``values``; ``source`` names the template in error messages."""

    def substitute(match: re.Match) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name not in values:
            known = ", ".join(sorted(values)) or "none"
            raise ValueError(f"{source}: unknown placeholder {{{name}}} (this template can use: {known})")
        return str(values[name])

    return _PLACEHOLDER.sub(substitute, template)


def placeholders(template: str) -> set[str]:
    return {m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1)}


@dataclass(frozen=True)
class CellPrompts:
    """The prompt texts one grid cell uses, loaded once before generation starts."""

    system: str
    code_block: str
    reasoning: tuple[tuple[str, str], ...]  # (name, text) in stacking order
    instruction: tuple[str, str] | None  # (name, text)
    feedback_type: str
    feedback: str
    cot_retry: tuple[tuple[str, ...], ...] | None  # per turn: which categories are used


class PromptLibrary:
    """Reads prompt files from one directory (the project's ``prompts/`` unless told otherwise)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else PROMPTS_DIR

    def text(self, relative: str) -> str:
        path = self.root / relative
        if not path.is_file():
            raise FileNotFoundError(f"prompt file not found: {path}")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(f"prompt file {path} is not UTF-8 ({err.reason} at byte {err.start})") from None
        return text.rstrip("\n")

    def named(self, category: str, name: str) -> str:
        return self.text(f"{category}/{name}.txt")

    def cot_retry_schedule(self) -> tuple[tuple[str, ...], ...]:
        path = self.root / "cot_retry.yaml"
        source = f"prompt file {path}"
        try:
            data = yaml.safe_load(self.text("cot_retry.yaml"))
        except yaml.YAMLError as err:
            raise ValueError(f"{source} is not valid YAML: {err}") from None
        turns = data.get("turns") if isinstance(data, dict) else None
        if not isinstance(turns, list) or not turns:
            raise ValueError(f"{source}: expected a non-empty list under `turns`")
        schedule = []
        for i, entry in enumerate(turns):
            uses = entry.get("use") if isinstance(entry, dict) else None
            if not isinstance(uses, list) or any(u not in COT_RETRY_USES for u in uses):
                raise ValueError(f"{source}: turns.{i}.use must be a list drawn from {list(COT_RETRY_USES)}")
            schedule.append(tuple(uses))
        return tuple(schedule)

    def for_cell(self, cell: dict) -> CellPrompts:
        """Load everything a cell needs, so that a missing or broken prompt fails before any generation."""
        reasoning = tuple((n, self.named("reasoning", n)) for n in prompt_names(cell.get("reasoning", "none")))
        instruction_names = prompt_names(cell.get("instruction", "none"))
        instruction = None
        if instruction_names:
            # Several instruction prompts stack into one message, in order.
            instruction = ("+".join(instruction_names),
                           "\n\n".join(self.named("instruction", n) for n in instruction_names))
        feedback_type = cell.get("feedback", "failed_tests")
        prompts = CellPrompts(
            system=self.text("system.txt"),
            code_block=self.text("code_block.txt"),
            reasoning=reasoning,
            instruction=instruction,
            feedback_type=feedback_type,
            feedback=self.named("feedback", feedback_type),
            cot_retry=self.cot_retry_schedule() if cell.get("cot_retry") else None,
        )
        unknown = placeholders(prompts.code_block) - {"interface"}
        if unknown:
            raise ValueError(f"prompt file {self.root / 'code_block.txt'}: unknown placeholder(s) {sorted(unknown)}"
                             " (it can use: interface)")
        return prompts
