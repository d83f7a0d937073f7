"""What became of one judged trajectory, in the four classes the browser filters by.

- ``solved`` at turn t: the trajectory's final code passes the private tests, and t is the first turn from which
  every later attempt passes them too. With early stopping (the usual case) that is the last attempt's turn; it
  is the turn from which the metrics' "success at turn t" (the private verdict of attempt min(t, used)) stays true.
- ``error``: not solved, and generation failed (``finish == "error"``).
- ``no_code``: not solved, and no attempt contained code (or there was no attempt at all).
- ``failed``: everything else: code was written and judged, and the final code fails a private test.

In the index each sample's outcome is one integer: t > 0 solved at turn t, 0 failed, -1 no code, -2 error.
"""

from __future__ import annotations

from typing import Any

FAILED, NO_CODE, ERROR = 0, -1, -2
NAMES = {FAILED: "failed", NO_CODE: "no_code", ERROR: "error"}


def _private_pass(attempt: dict[str, Any], where: str) -> bool:
    private = attempt.get("private")
    if not isinstance(private, dict) or "verdict" not in private:
        raise ValueError(f"{where}: attempt has no 'private' verdict summary (the browser reads the execute "
                         "stage's trajectories)")
    return private["verdict"] == "AC"


def outcome(record: dict[str, Any], where: str = "trajectory") -> int:
    """The outcome code of one execute-stage trajectory (see the module doc)."""
    attempts = record.get("attempts") or []
    passes = [_private_pass(a, f"{where} attempt {i + 1}") for i, a in enumerate(attempts)]
    if passes and passes[-1]:
        first = len(passes)
        while first > 1 and passes[first - 2]:
            first -= 1
        turn = attempts[first - 1].get("turn")
        return int(turn) if isinstance(turn, int) and turn > 0 else first
    if record.get("finish") == "error":
        return ERROR
    if all(a.get("code") is None for a in attempts):
        return NO_CODE
    return FAILED


def name(code: int) -> str:
    return f"solved at turn {code}" if code > 0 else NAMES[code]
