"""Find the program in a model response: the last fenced Python block, else a best effort, else nothing.

``extraction`` records which rule matched, so that metrics can tell a wrong program from a missing one:
  fenced     the last complete ```python (or ```py, ```python3, or untagged) block that parses (else the
             last tagged one, else the last one: a program with a syntax error is still the model's answer)
  heuristic  an unterminated final block (the model ran out of tokens), or unfenced text from the first
             line that looks like code to the last line that still parses
  none       nothing usable: the attempt is recorded as failed (verdict CE, detail "no code")

Any text is accepted (garbage, huge, with control characters) and the work stays linear in its size.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_FENCE = re.compile(r"^[ \t]*```[ \t]*([A-Za-z0-9_+.-]*)[^\n]*$", re.MULTILINE)
_PYTHON_TAGS = {"", "python", "py", "python3", "py3"}
# Lines a program plausibly starts with; prose rarely does.
_CODE_START = re.compile(
    r"^(import |from \S+ import |def |class |async def |@|if __name__|for |while |with |try:|print\(|"
    r"[A-Za-z_][A-Za-z0-9_, ]*\s*=[^=]|[A-Za-z_][A-Za-z0-9_.]*\()"
)
# The heuristic parses candidate programs; past this size it only tries the whole tail once.
_HEURISTIC_MAX_CHARS = 200_000
_HEURISTIC_MAX_TRIES = 40


@dataclass(frozen=True)
class Extraction:
    code: str | None
    method: str  # "fenced" | "heuristic" | "none"


def extract_code(response: str) -> Extraction:
    blocks, unterminated = _fenced_blocks(response)
    candidates = [(tag, code) for tag, code in blocks if tag in _PYTHON_TAGS and code.strip()]
    if candidates:
        # An untagged block may be sample input or output quoted by the model: the last block that parses wins,
        # then the last one tagged as Python, then simply the last one.
        parsing = [code for _, code in candidates if len(code) <= _HEURISTIC_MAX_CHARS and _is_program(code)]
        tagged = [code for tag, code in candidates if tag]
        return Extraction((parsing or tagged or [candidates[-1][1]])[-1], "fenced")
    if unterminated is not None and unterminated[0] in _PYTHON_TAGS and unterminated[1].strip():
        return Extraction(unterminated[1], "heuristic")
    if not blocks and unterminated is None:
        code = _unfenced_program(response)
        if code is not None:
            return Extraction(code, "heuristic")
    return Extraction(None, "none")


def _fenced_blocks(text: str) -> tuple[list[tuple[str, str]], tuple[str, str] | None]:
    """Complete (tag, code) blocks in order, plus an unterminated last block if the text ends inside one."""
    blocks: list[tuple[str, str]] = []
    opening: re.Match | None = None
    for fence in _FENCE.finditer(text):
        if opening is None:
            opening = fence
        elif fence.group(1) == "":  # a bare ``` closes the open block
            blocks.append((opening.group(1).lower(), text[opening.end() + 1 : fence.start()]))
            opening = None
        else:  # a tagged fence inside an open block: the model restarted; the new one wins
            opening = fence
    tail = None if opening is None else (opening.group(1).lower(), text[opening.end() + 1 :])
    return blocks, tail


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _is_program(code: str) -> bool:
    """Parses, and is more than bare values: sample data like ``3`` or ``abc`` parses but is no program."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return any(not (isinstance(node, ast.Expr) and isinstance(node.value, (ast.Constant, ast.Name)))
               for node in tree.body)


def _unfenced_program(text: str) -> str | None:
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _CODE_START.match(line)), None)
    if start is None:
        return None
    tail = lines[start:]
    if sum(map(len, tail)) > _HEURISTIC_MAX_CHARS:
        code = "\n".join(tail)
        return code + "\n" if _parses(code) else None
    # Drop trailing prose one line at a time until the rest parses.
    for end in range(len(tail), max(0, len(tail) - _HEURISTIC_MAX_TRIES), -1):
        code = "\n".join(tail[:end]).rstrip()
        if code and _parses(code):
            return code + "\n"
    return None
