"""Resource limits of one judged run, and how they come from the config's `execution` section."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

# The wall-clock timer kills a test at WALL_FACTOR x its time limit (plus a margin for a loaded machine); the
# verdict is TLE when the test's CPU time exceeded the limit or the timer fired.
WALL_FACTOR = 2.0
WALL_MARGIN_S = 0.5


@dataclass(frozen=True)
class Limits:
    time_s: float = 2.0  # CPU seconds per test (sub-second values work: the runner times them itself)
    memory_mb: int = 1024  # address space per test, on top of the warmed-up runner's own
    output_kb: int = 1024  # stdout + stderr per test
    processes: int = 16  # processes and threads per test

    def __post_init__(self):
        for name in ("time_s", "memory_mb", "output_kb", "processes"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")

    @property
    def wall_s(self) -> float:
        return self.time_s * WALL_FACTOR + WALL_MARGIN_S

    def for_runner(self) -> dict[str, Any]:
        """What the in-jail runner needs: the limits plus the derived wall timer and CPU rlimit."""
        return {**asdict(self), "wall_s": self.wall_s, "cpu_rlimit_s": math.ceil(self.time_s) + 1}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_execution_config(cls, execution: dict[str, Any], problem: dict[str, Any] | None = None) -> Limits:
        """The problem's own limits times ``time_limit_factor``, else the config's defaults."""
        problem = problem or {}
        own_time = problem.get("time_limit_s")
        factor = execution.get("time_limit_factor", 1.0)
        time_s = own_time * factor if own_time else execution.get("time_limit_s", 2.0)
        memory = problem.get("memory_limit_mb") or execution.get("memory_limit_mb", 1024)
        return cls(
            time_s=float(time_s),
            memory_mb=int(memory),
            output_kb=int(execution.get("output_limit_kb", 1024)),
            processes=int(execution.get("max_processes", 16)),
        )
