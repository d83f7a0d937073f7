"""Resource limits of one judged run, and how they come from the config's `execution` section.

Every default is the schema's (workflow/schemas/config.schema.yaml, ``execution``): neither the limits nor the
settings below write one of their own, so that changing a default there changes it for planned and hand runs
alike (tests/sandbox/test_schema_defaults.py).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..schema import default, section

# The wall-clock timer kills a test at WALL_FACTOR x its time limit (plus a margin for a loaded machine); the
# verdict is TLE when the test's CPU time exceeded the limit or the timer fired.
WALL_FACTOR = 2.0
WALL_MARGIN_S = 0.5


@dataclass(frozen=True)
class ExecutionSettings:
    """The config's `execution` section, checked and typed; a missing key takes the schema's default."""

    sandbox: str  # nsjail | unsafe_local
    time_limit_s: float  # CPU seconds per test when the problem gives none
    time_limit_factor: float  # multiplies the problem's own limit
    memory_limit_mb: int
    output_limit_kb: int
    max_processes: int
    workers: int  # judging processes (0: one per core): speed only, never hashed
    stop_private_at_first_failure: bool

    @classmethod
    def from_dict(cls, values: dict[str, Any] | ExecutionSettings, what: str = "execution") -> ExecutionSettings:
        """``values`` (a config's execution section, any subset of it) checked against the schema: an unknown
        key or a bad value raises ValueError naming it (``what`` is the name the message gives the section)."""
        if isinstance(values, ExecutionSettings):
            return values
        if not isinstance(values, dict):
            raise ValueError(f"{what}: expected a mapping of execution settings, got {type(values).__name__}")
        try:
            return _from_items(tuple(sorted(values.items())), what)
        except TypeError:  # an unhashable value (a list...): not a valid setting, checked without the cache
            return cls(**section("execution", values, what))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.lru_cache(maxsize=256)
def _from_items(items: tuple, what: str) -> ExecutionSettings:
    # Judging builds limits per request: the same few sections are checked once, not once per program.
    return ExecutionSettings(**section("execution", dict(items), what))


def _schema_default(key: str):
    return field(default_factory=lambda: default("execution", key))


@dataclass(frozen=True)
class Limits:
    time_s: float = _schema_default("time_limit_s")  # CPU seconds per test (sub-second values work)
    memory_mb: int = _schema_default("memory_limit_mb")  # address space per test, beyond the warm runner's own
    output_kb: int = _schema_default("output_limit_kb")  # stdout + stderr per test
    processes: int = _schema_default("max_processes")  # processes and threads per test

    def __post_init__(self):
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"Limits.{item.name} must be a positive number, got {value!r}")

    @property
    def wall_s(self) -> float:
        return self.time_s * WALL_FACTOR + WALL_MARGIN_S

    def for_runner(self) -> dict[str, Any]:
        """What the in-jail runner needs: the limits plus the derived wall timer and CPU rlimit."""
        return {**asdict(self), "wall_s": self.wall_s, "cpu_rlimit_s": math.ceil(self.time_s) + 1}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_execution_config(cls, execution: dict[str, Any] | ExecutionSettings,
                              problem: dict[str, Any] | None = None) -> Limits:
        """The problem's own limits (its time times ``time_limit_factor``), else the execution settings'."""
        settings = ExecutionSettings.from_dict(execution)
        problem = problem or {}
        own_time = problem.get("time_limit_s")
        time_s = own_time * settings.time_limit_factor if own_time else settings.time_limit_s
        return cls(
            time_s=float(time_s),
            memory_mb=int(problem.get("memory_limit_mb") or settings.memory_limit_mb),
            output_kb=int(settings.output_limit_kb),
            processes=int(settings.max_processes),
        )
