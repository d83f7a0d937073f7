"""Prompts are data: plain-text templates under ``prompts/``, loaded by name and rendered with placeholders.

A template is text with ``{name}`` placeholders (``name`` a Python identifier); ``{{`` and ``}}`` write
literal braces. :func:`render` fills every placeholder from keyword values and refuses a template that names a
value it was not given, so a typo in a prompt file fails loudly instead of reaching the model. Values are
inserted verbatim: braces inside a problem statement or a test's output are never interpreted.

Layout (docs/generation.md): ``system.txt``, ``code_block.txt``, ``reasoning/<name>.txt``,
``instruction/<name>.txt``, ``feedback/<type>.txt`` (with its data file ``<type>.yaml``: feedback_types.py) and
the CoT-retry schedule ``cot_retry.yaml``. A grid block
may choose another system prompt, ``system: <name>`` -> ``system/<name>.txt``, and a template for the first
user message, ``problem_template: <name>`` -> ``problem/<name>.txt`` (placeholders below, PROBLEM_FIELDS); with
a template the first message is the template alone (it says itself what to write: no ``code_block.txt``),
e.g. ``evalplus_instruct``, the prompt of Qwen2.5-Coder's own EvalPlus evaluation of its instruct models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import typed_json
from ..config import PROJECT_ROOT, prompt_names
from .feedback import format_call
from .feedback_types import load as load_feedback_type

PROMPTS_DIR = PROJECT_ROOT / "prompts"
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}")
COT_RETRY_USES = ("reasoning", "instruction")
# What a first-message template (problem/<name>.txt) can show.
PROBLEM_FIELDS = ("statement", "starter_code", "entry_point", "interface", "examples")


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
    feedback: str  # its template (feedback/<type>.txt)
    cot_retry: tuple[tuple[str, ...], ...] | None  # per turn: which categories are used
    problem_template: str | None = None  # problem/<name>.txt: the whole first user message
    trace: str | None = None  # the trace the feedback type asks the public judge for (feedback/<type>.yaml)


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
        feedback = load_feedback_type(self.root, feedback_type)  # template and data file, checked together
        system = cell.get("system")
        template = cell.get("problem_template")
        prompts = CellPrompts(
            system=self.named("system", system) if system else self.text("system.txt"),
            code_block=self.text("code_block.txt"),
            reasoning=reasoning,
            instruction=instruction,
            feedback_type=feedback_type,
            feedback=feedback.template,
            cot_retry=self.cot_retry_schedule() if cell.get("cot_retry") else None,
            problem_template=self.named("problem", template) if template else None,
            trace=feedback.trace,
        )
        if template:
            unknown = placeholders(prompts.problem_template) - set(PROBLEM_FIELDS)
            if unknown:
                raise ValueError(f"prompt file {self.root / 'problem' / (template + '.txt')}: unknown placeholder(s)"
                                 f" {sorted(unknown)} (it can use: {', '.join(PROBLEM_FIELDS)})")
        unknown = placeholders(prompts.code_block) - {"interface"}
        if unknown:
            raise ValueError(f"prompt file {self.root / 'code_block.txt'}: unknown placeholder(s) {sorted(unknown)}"
                             " (it can use: interface)")
        return prompts


def code_interface(problem: dict) -> str:
    if problem["kind"] == "call":
        return f"a function named `{problem.get('entry_point') or 'solution'}` (with the imports it needs)"
    return "a complete program that reads from standard input and writes to standard output"


def example_asserts(problem: dict, count: int = 3) -> str:
    """The first public tests of a call problem as assert lines."""
    return "\n".join(f"assert {format_call(problem, t)} == {typed_json.decode(t.get('expected'))!r}"
                     for t in problem["public_tests"][:count])


def problem_message(problem: dict) -> str:
    """The default first user turn's problem text: statement, starter code, and the public tests where the
    statement does not already show them (call problems: the function name and its example calls).

    Starter code already contained in the statement (HumanEval's prompt is both the signature to complete and
    the problem text) is not shown a second time."""
    statement = problem["statement"].strip()
    parts = [statement]
    starter = problem.get("starter_code", "").strip()
    if starter and starter not in statement:
        parts.append(f"Start from this code:\n```python\n{problem['starter_code'].rstrip()}\n```")
    tests = problem["public_tests"]
    if problem["kind"] == "call":
        parts.append(f"The function must be named `{problem.get('entry_point')}`. It must pass tests like:\n"
                     f"{example_asserts(problem)}")
    elif tests and tests[0].get("input", "").strip() and tests[0]["input"].strip() not in problem["statement"]:
        test = tests[0]
        parts.append(f"Example input:\n{test['input'].rstrip()}\n\nExample output:\n{test['output'].rstrip()}")
    return "\n\n".join(parts)


def first_message(prompts: CellPrompts, problem: dict) -> str:
    """The problem part of the first user turn: the cell's template if it has one, else problem_message."""
    if prompts.problem_template is None:
        return problem_message(problem)
    values = {
        "statement": problem["statement"].strip(),
        "starter_code": (problem.get("starter_code") or "").rstrip(),
        "entry_point": problem.get("entry_point") or "",
        "interface": code_interface(problem),
        "examples": example_asserts(problem) if problem["kind"] == "call" else "",
    }
    return render(prompts.problem_template, "problem template", **values)
