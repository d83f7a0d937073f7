"""Sandboxed execution and judging (docs/sandbox.md, the Judge API of docs/contracts.md §2)."""

from .jail import SandboxUnavailable
from .judge import UNJUDGEABLE, VERDICTS, Judge, JudgeRequest
from .limits import ExecutionSettings, Limits

__all__ = ["ExecutionSettings", "Judge", "JudgeRequest", "Limits", "SandboxUnavailable", "UNJUDGEABLE", "VERDICTS"]
