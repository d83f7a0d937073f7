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
        from ..sandbox import ExecutionSettings, Judge, JudgeRequest, Limits, SandboxUnavailable

        self._request, self._limits = JudgeRequest, Limits
        # Checked once (a bad key fails here, named); unset keys take the schema's defaults.
        self.execution = ExecutionSettings.from_dict(execution, what="generate params execution")
        mode = self.execution.sandbox
        try:
            self.judge = Judge(mode=mode, workers=self.execution.workers)
        except SandboxUnavailable as err:  # a setting to change, not a crash: one clear line from the CLI
            raise ValueError(f"execution.sandbox {mode!r} cannot run on this machine: {err}") from None

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
        self.judge.close()
