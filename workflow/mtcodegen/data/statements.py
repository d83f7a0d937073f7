"""Reading stdio problem statements: which tests are the statement's examples, and what cannot be judged.

Output comparison judges one correct output per input. A problem that accepts several answers (a special
judge) or talks to an interactor cannot be judged that way; it is kept, marked ``checker: "unjudgeable"``,
and counted in the report, so that evaluation can leave it out knowingly instead of scoring it wrong.
"""

from __future__ import annotations

import re

# Phrases that signal a special judge (several correct outputs) or an interactive problem.
SPECIAL_JUDGE = re.compile(
    r"print any\b|\bany of them\b|if there are (multiple|several|many) (possible |correct |valid )?(answers|solutions)"
    r"|\boutput any\b", re.IGNORECASE)
INTERACTIVE = re.compile(r"\binteractive\b|\bflush", re.IGNORECASE)
EXAMPLE_HEADING = re.compile(r"^\s*(examples?|sample( tests?| inputs?)?)\s*:?\s*$", re.IGNORECASE | re.MULTILINE)


def unjudgeable_reason(statement: str) -> str | None:
    """'special judge: <phrase>' / 'interactive: <phrase>' or None."""
    for label, pattern in (("interactive", INTERACTIVE), ("special judge", SPECIAL_JUDGE)):
        match = pattern.search(statement)
        if match:
            return f"{label}: {match.group(0)!r}"
    return None


def _tokens(text: str) -> list[str]:
    return text.split()


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return False
    n = len(needle)
    first = needle[0]
    return any(haystack[i] == first and haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def example_tests(statement: str, tests: list[dict[str, str]]) -> list[int]:
    """Indices of the tests whose input and output both appear verbatim (modulo whitespace) in the
    statement's examples: the text from the first example heading on (the whole statement when it has none).

    Both must appear, as whole-token runs, so that a one-token input like "1" does not match by accident.
    """
    heading = EXAMPLE_HEADING.search(statement)
    examples = _tokens(statement[heading.start():] if heading else statement)
    return [i for i, t in enumerate(tests)
            if _contains(examples, _tokens(t["input"])) and _contains(examples, _tokens(t["output"]))]
