"""Command-line values given as JSON (the Snakemake rules pass node params this way)."""

from __future__ import annotations

import json
from typing import Any


def json_option(text: str, option: str, expect: type | None = dict, what: str = "a JSON object") -> Any:
    """Parse ``text`` given to ``option``; a bad value is a ValueError naming the option and the problem."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"{option} is not valid JSON ({err.msg} at character {err.pos})") from None
    if expect is not None and not isinstance(value, expect):
        raise ValueError(f"{option}: expected {what}, got {type(value).__name__}")
    return value
