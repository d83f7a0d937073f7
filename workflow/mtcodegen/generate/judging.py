"""The public-test judge of the loop, on top of the sandbox's Judge API (docs/contracts.md §2).

The loop only needs "run these programs on their problems' public tests"; this adapter builds the
JudgeRequests (limits from the execution config and the problem's own limits) and sends one batch per turn
through the Judge's worker pool. Imported lazily, so that the loop's tests do not need the sandbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .loop import PublicCheck


class SandboxPublicJudge:
    def __init__(self, execution: dict[str, Any]):
        try:
            from ..sandbox import Judge, JudgeRequest, Limits
        except ImportError as err:
            raise RuntimeError(f"the sandbox (mtcodegen.sandbox) is not available: {err}") from err
        self._request, self._limits = JudgeRequest, Limits
        self.execution = execution
        self.judge = Judge(mode=execution.get("sandbox", "nsjail"), workers=int(execution.get("workers", 0)))
        self.judge.__enter__()

    def __call__(self, checks: Sequence[PublicCheck]) -> list[dict[str, Any]]:
        requests = [
            self._request(
                program=c.program,
                kind=c.problem["kind"],
                entry_point=c.problem.get("entry_point"),
                tests=c.problem["public_tests"],
                limits=self._limits.from_execution_config(self.execution, c.problem),
                checker=c.problem.get("checker", "tokens"),
                stop_on_first_failure=False,  # feedback lists every failed and passed test
                trace=c.trace,
            )
            for c in checks
        ]
        return [dict(v) for v in self.judge.run(requests)]

    def close(self) -> None:
        self.judge.__exit__(None, None, None)
