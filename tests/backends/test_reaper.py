"""Issue #14 item 1: engine processes must not outlive a generate worker killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from process_state import alive, wait_dead  # noqa: E402

DRIVER = Path(__file__).with_name("reaper_driver.py")




def start(*args):
    proc = subprocess.Popen([sys.executable, str(DRIVER), *args], stdout=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONUNBUFFERED": "1"})
    reaper, core, worker = map(int, proc.stdout.readline().split())
    return proc, reaper, core, worker


def test_sigkill_of_the_owner_ends_engine_child_and_grandchild():
    proc, reaper, core, worker = start()
    try:
        assert alive(core) and alive(worker) and alive(reaper)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert wait_dead([core, worker]) == [], "engine processes survived their owner's SIGKILL"
        assert wait_dead([reaper]) == [], "the watchdog did not exit after its work"
    finally:
        for pid in (core, worker, reaper):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_close_stops_the_watchdog_and_kills_nothing():
    proc, reaper, core, worker = start("close")
    try:
        assert proc.stdout.readline().split()[0] == "closed"
        assert wait_dead([reaper], 5) == []
        time.sleep(1.0)
        assert alive(core) and alive(worker), "close() must not kill the owner's processes"
    finally:
        proc.kill()
        proc.wait()
        for pid in (core, worker):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                children = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += children
            todo += children
    return out


@pytest.mark.slow
def test_sigkill_of_a_worker_with_a_real_vllm_engine_leaves_no_engine_process(smollm2_checkpoint):
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("vllm_kill_driver.py")),
                             str(smollm2_checkpoint)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for line in proc.stdout:  # vLLM logs to stdout too
            if line.strip() == "ready":
                break
        else:
            pytest.fail("the driver exited before its engine was ready")
        engine = [p for p in descendants(proc.pid)
                  if Path(f"/proc/{p}/cmdline").read_bytes().startswith(b"VLLM::")]
        assert engine, "no VLLM:: engine process found under the worker"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert wait_dead(engine, 30) == [], "vLLM engine processes outlived the SIGKILLed worker"
    finally:
        if proc.poll() is None:
            proc.kill()
