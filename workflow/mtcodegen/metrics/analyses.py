"""The paper's analyses beyond pass rates: how much consecutive attempts differ, how much of a response is
not code, and what each cell cost (the compute ledger)."""

from __future__ import annotations

import difflib
import io
import re
import tokenize

FENCE = re.compile(r"```[^\n`]*\n.*?(?:```|\Z)", re.S)
_FALLBACK_TOKEN = re.compile(r"[A-Za-z_]\w*|\d+(?:\.\d*)?|\S")
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def code_tokens(code: str) -> list[str]:
    """Python tokens without comments, blank lines or layout, so that re-indenting or re-commenting code does
    not count as a change. Code that does not tokenize (a truncated response) falls back to a regex split."""
    try:
        return [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type not in _SKIP]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        stripped = "\n".join(line.split("#", 1)[0] for line in code.splitlines())
        return _FALLBACK_TOKEN.findall(stripped)


def code_similarity(a: str, b: str) -> float:
    """difflib's ratio 2*M/T on the token sequences: 1.0 for identical programs, 0.0 for nothing in common."""
    ta, tb = code_tokens(a), code_tokens(b)
    if not ta and not tb:
        return 1.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio()


def non_code_fraction(response: str, code: str | None) -> float:
    """Share of a response's non-whitespace characters outside its code: the fenced blocks, or else the
    extracted code where it appears verbatim. A response that is all prose (no code found) counts 1.0."""
    total = len("".join(response.split()))
    if total == 0:
        return 0.0
    prose = FENCE.sub("", response)
    if prose == response and code:
        prose = response.replace(code, "")
    return len("".join(prose.split())) / total
