"""Sandboxed execution and judging (docs/sandbox.md, the Judge API of docs/contracts.md §2)."""

from .jail import SandboxUnavailable
from .judge import UNJUDGEABLE, VERDICTS, Judge, JudgeRequest
from .limits import Limits

__all__ = ["Judge", "JudgeRequest", "Limits", "SandboxUnavailable", "UNJUDGEABLE", "VERDICTS"]
