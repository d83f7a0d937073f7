"""Whether a process still runs, read from /proc (a zombie counts as dead: its parent has not reaped it yet,
but it runs no more). Shared by the tests of the engine reaper and of the shared engine server."""

from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_dead(pids, timeout: float = 20.0) -> list[int]:
    """Waits up to `timeout` s for every pid to end; returns those still alive."""
    deadline = time.time() + timeout
    while time.time() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]
