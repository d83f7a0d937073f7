"""The nsjail configuration itself (no nsjail needed): what is mounted, who runs, what is denied."""

from __future__ import annotations

from pathlib import Path

from mtcodegen.sandbox import cgroups, jail

PROJECT = Path(__file__).resolve().parents[2]


def _config(setup=None):
    return jail.build_config(60, 512, 8, setup or cgroups.CgroupSetup(None, reason="test"))


def test_mounts_are_minimal_and_read_only():
    config = _config()
    mounts = {m.dst: m for m in config.mount}
    for dst, mount in mounts.items():
        assert not str(dst).startswith(str(PROJECT)), f"the project tree is mounted: {dst}"
        assert not str(dst).startswith(str(PROJECT.parent / "shared")), f"shared data is mounted: {dst}"
        if mount.is_bind and dst != "/dev/null":
            assert not mount.rw, f"{dst} is mounted writable"
    assert mounts["/tmp"].fstype == "tmpfs" and mounts["/tmp"].rw
    assert mounts["/proc"].fstype == "proc"
    assert mounts["/"].fstype == "tmpfs" and not mounts["/"].rw
    interpreter, stdlib = jail.jail_python()
    assert interpreter in mounts and stdlib[0] in mounts
    assert not any(dst in mounts for dst in ("/root", "/home", "/etc", "/work", "/usr/lib/python3/dist-packages"))


def test_identity_environment_network_and_seccomp():
    config = _config()
    assert [(m.inside_id, m.outside_id) for m in config.uidmap] == [("65534", "65534")]
    assert [(m.inside_id, m.outside_id) for m in config.gidmap] == [("65534", "65534")]
    assert config.keep_env is False and config.envar == []
    assert config.clone_newnet and config.clone_newuser and config.clone_newpid and config.clone_newns
    assert config.iface_no_lo is True
    (policy,) = config.seccomp_string
    for syscall in ("ptrace", "unshare", "setns", "process_vm_readv", "mount", "bpf"):
        assert syscall in policy
    assert "clone { (clone_flags & 0x7e020080) != 0 }" in policy and "ERRNO(38) { clone3 }" in policy


def test_cgroup_limits_follow_the_detected_hierarchy():
    v1 = _config(cgroups.CgroupSetup(1, "/cg/memory", "me/judge", "/cg/pids", "judge"))
    assert v1.cgroup_mem_max == (512 + jail.RUNNER_HEADROOM_MB) << 20 and v1.cgroup_pids_max == 12
    assert (v1.cgroup_mem_mount, v1.cgroup_mem_parent) == ("/cg/memory", "me/judge") and not v1.use_cgroupv2
    v2 = _config(cgroups.CgroupSetup(2, "/cg", "/cg/me/judge", "/cg", "/cg/me/judge"))
    assert v2.use_cgroupv2 and v2.cgroupv2_mount == "/cg/me/judge" and v2.cgroup_pids_max == 12
    none = _config()
    assert none.cgroup_mem_max == 0 and none.cgroup_pids_max == 0
    assert "seccomp_string" in jail.render_config(v1) and "uidmap" in jail.render_config(v1)
