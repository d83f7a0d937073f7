"""A killed judge leaves nothing that the next judge does not clean up (issue #14 item 2): its jails (and the
memory their tests hold), its per-jail and parent cgroups, its nsjail configuration files. Tested by killing a
real judge process with SIGKILL mid-test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from mtcodegen.sandbox import Judge, SandboxUnavailable, cgroups, jail

DRIVER = """
import os, sys, threading
from mtcodegen.sandbox import Judge, JudgeRequest, Limits
judge = Judge(mode="nsjail", workers=2)
program = "x = bytearray(64 << 20)\\nimport time\\ntime.sleep(120)\\n"
request = JudgeRequest(program=program, tests=[{"input": "", "output": ""}], limits=Limits(time_s=60, memory_mb=512))
threading.Thread(target=judge.run, args=([request, request],), daemon=True).start()
print(os.getpid(), flush=True)
threading.Event().wait()
"""


def _judge_dirs(pid: int) -> list[Path]:
    own = cgroups._own_cgroups(Path("/proc/self/cgroup"))
    bases = cgroups._candidate_dirs(Path("/sys/fs/cgroup"), own)
    return [p for base in bases if base.is_dir() for p in base.glob(f"{cgroups.PARENT_NAME}-{pid}-*")]


def _jail_pids(dirs: list[Path]) -> set[int]:
    pids = set()
    for parent in dirs:
        for child in parent.glob("NSJAIL*"):
            try:
                pids |= {int(p) for p in (child / "cgroup.procs").read_text().split()}
            except OSError:
                pass
    return pids


@pytest.mark.nsjail
def test_a_judge_started_after_a_killed_one_removes_its_leftovers(sandbox_unavailable, tmp_path):
    try:
        Judge(mode="nsjail", workers=1).close()
    except SandboxUnavailable as err:
        sandbox_unavailable(err)
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        pid = int(driver.stdout.readline())
        deadline = time.monotonic() + 30
        while len(_jail_pids(_judge_dirs(pid))) < 2 * 2 and time.monotonic() < deadline:  # 2 jails x runner + test
            time.sleep(0.1)
        configs = [p for p in Path(tempfile.gettempdir()).glob(f"{jail.CONFIG_PREFIX}{pid}-*.cfg")]
        dirs = _judge_dirs(pid)
        jailed = _jail_pids(dirs)
    finally:
        os.killpg(driver.pid, signal.SIGKILL)  # the judge and its thread pool; its jails are in other sessions
        driver.wait()
    time.sleep(0.5)
    # The state a killed judge leaves behind (what the issue found), seen before any cleanup:
    assert len(configs) == 2 and all(p.exists() for p in configs)
    if cgroups.detect(create=False).version:
        assert dirs and all(d.is_dir() for d in dirs)
        assert len(jailed) >= 4 and all(cgroups.pid_alive(p) for p in jailed)  # the tests still hold 64 MiB each

    with Judge(mode="nsjail", workers=1) as judge:
        reaped = judge.launcher.reaped
    assert not any(p.exists() for p in configs), reaped
    assert all(not d.exists() for d in dirs), reaped
    deadline = time.monotonic() + 5
    while any(cgroups.pid_alive(p) for p in jailed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in jailed if cgroups.pid_alive(p)], "the dead judge's jails still run"


def test_only_dead_judges_configs_are_removed(tmp_path):
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    dead = tmp_path / f"{jail.CONFIG_PREFIX}{pid_max + 1}-abc.cfg"  # no process can have this pid
    live = tmp_path / f"{jail.CONFIG_PREFIX}{os.getpid()}-abc.cfg"
    old_style, fresh_old_style = tmp_path / f"{jail.CONFIG_PREFIX}xyz.cfg", tmp_path / f"{jail.CONFIG_PREFIX}new.cfg"
    other = tmp_path / "unrelated.cfg"
    for path in (dead, live, old_style, fresh_old_style, other):
        path.write_text("x")
    os.utime(old_style, (time.time() - 2 * jail.STALE_CONFIG_S,) * 2)
    removed = jail.remove_dead_configs(tmp_path)
    assert sorted(removed) == sorted([str(dead), str(old_style)])
    assert live.exists() and fresh_old_style.exists() and other.exists()


def test_only_dead_judges_cgroups_are_removed_on_a_fake_v2_tree(tmp_path):
    pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    root = tmp_path / "fs"
    (root / "job").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("memory pids\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/job\n")
    dead = root / "job" / f"{cgroups.PARENT_NAME}-{pid_max + 1}-0"
    live = root / "job" / f"{cgroups.PARENT_NAME}-{os.getpid()}-7"
    (dead / "NSJAIL.123").mkdir(parents=True)
    (live / "NSJAIL.456").mkdir(parents=True)
    (root / "job" / "someone-else").mkdir()
    removed = cgroups.reap_dead_judges(root, proc, wait_s=0.1)
    assert sorted(removed) == sorted([str(dead / "NSJAIL.123"), str(dead)])
    assert (live / "NSJAIL.456").is_dir() and (root / "job" / "someone-else").is_dir()
