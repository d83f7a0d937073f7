"""Hostile programs, each with its exact verdict, run ONLY inside the jail; afterwards the host must be unchanged.

All cases are judged in one batch (the judge's pool runs them in parallel); each test asserts one case.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from mtcodegen import typed_json
from mtcodegen.sandbox import Judge, JudgeRequest, Limits, SandboxUnavailable

pytestmark = pytest.mark.nsjail

PROJECT = Path(__file__).resolve().parents[2]
FAST = Limits(time_s=1.0, memory_mb=256, output_kb=1024, processes=16)
STDIO_OK = [{"input": "", "output": "ok"}]


def _call_tests(expected=3):
    return [{"args": typed_json.encode([1]), "kwargs": typed_json.encode({}), "expected": typed_json.encode(expected)}]


def _listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    return server


SERVER = None


def cases():
    port = SERVER.getsockname()[1]
    stdio = {
        "infinite_loop": ("while True: pass", STDIO_OK, "TLE"),
        "busy_thread": ("import threading\ndef spin():\n    while True: pass\nthreading.Thread(target=spin).start()\nprint('ok')",
                        STDIO_OK, "TLE"),
        "sleep": ("import time\ntime.sleep(100)", STDIO_OK, "TLE"),
        "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", STDIO_OK, "TLE"),
        "memory_bomb_one_shot": ("x = bytearray(8 << 30)\nprint('ok')", STDIO_OK, "MLE"),
        "memory_bomb_incremental": ("chunks = []\nwhile True:\n    chunks.append(bytearray(8 << 20))", STDIO_OK, "MLE"),
        # Each process stays under its address-space limit; together they exceed the jail's memory cgroup, and
        # the kernel's OOM killer picks the largest: the test process itself (counted in the cgroup's oom_kill).
        "memory_bomb_processes": ("import os, time\ndef hold(mb):\n    x = bytearray(mb << 20)\n"
                                  "    for i in range(0, len(x), 4096): x[i] = 1\n    return x\n"
                                  "for _ in range(3):\n    if os.fork() == 0:\n        keep = hold(100)\n"
                                  "        time.sleep(10)\n        os._exit(0)\n"
                                  "time.sleep(0.5)\nkeep = [hold(50) for _ in range(5)]\ntime.sleep(1)\nprint('ok')",
                                  STDIO_OK, "MLE"),
        "gigabyte_stdout": ("import sys\nblock = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(block)", STDIO_OK, "OLE"),
        "gigabyte_stderr": ("import sys\nblock = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stderr.write(block)", STDIO_OK, "OLE"),
        "secret_env": ("import os\nprint(os.environ.get('HF_TOKEN'), os.environ.get('MTCODEGEN_CANARY'))",
                       [{"input": "", "output": "None None"}], "AC"),
        "secret_file": (f"print(open({str(PROJECT / 'config.yaml')!r}).read())", STDIO_OK, "RE"),
        "project_tree": (f"import os\nprint(os.path.exists({str(PROJECT)!r}), os.path.exists('/work'), os.path.exists('/root'))",
                         [{"input": "", "output": "False False False"}], "AC"),
        "write_outside_tmp": ("open('/usr/lib/mtcodegen_pwned', 'w').write('x')", STDIO_OK, "RE"),
        "delete_working_dir": ("import os\nfor name in os.listdir('.'):\n    os.remove(name)\nopen('mine', 'w').write('x')\nprint('ok')",
                               STDIO_OK, "AC"),
        "network_loopback": (f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)\nprint('ok')", STDIO_OK, "RE"),
        "kill_parent": ("import os, signal\nfor sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):\n"
                        "    for pid in (os.getppid(), 1, -1):\n        try:\n            os.kill(pid, sig)\n"
                        "        except OSError:\n            pass\nprint('ok')", STDIO_OK * 2, "AC"),
        "detached_daemon": ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                            "        os.close(1)\n        while True: time.sleep(1)\n    os._exit(0)\nprint('ok')", STDIO_OK, "AC"),
        "daemon_keeps_stdout": ("import os, time\nif os.fork() == 0:\n    time.sleep(100)\nprint('ok')", STDIO_OK, "AC"),
        "os_exit_unflushed": ("print('ok')\nimport os\nos._exit(0)", STDIO_OK, "WA"),
        "deep_recursion": ("def f(n):\n    return f(n + 1)\nf(0)", STDIO_OK, "RE"),
        # Python 3.11 keeps Python frames on the heap: unlimited recursion would grow memory for seconds (bare
        # CPython takes 16 s to end in a SystemError); the judge caps the depth at its 256 MiB stack: RE.
        "deep_recursion_unlimited": ("import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\nf(0)", STDIO_OK, "RE"),
        "eof_spinning": ("import sys\nwhile True:\n    line = sys.stdin.readline()", STDIO_OK, "TLE"),
        "raise_rlimits": ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\nprint('ok')",
                          STDIO_OK, "RE"),
        "ctypes_segfault": ("import ctypes\nctypes.string_at(0)", STDIO_OK, "RE"),
        "nested_namespaces_and_ptrace": (
            "import ctypes\nlibc = ctypes.CDLL(None)\n"
            "print(libc.unshare(0x10000000), libc.unshare(0x20000000), libc.setns(0, 0), libc.ptrace(0, 0, 0, 0))",
            [{"input": "", "output": "-1 -1 -1 -1"}], "AC"),
    }
    call = {
        "eq_always_true": ("class Liar:\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return Liar()", "WA"),
        "int_subclass_eq": ("class Liar(int):\n    def __eq__(self, other):\n        return True\ndef f(x):\n    return Liar(0)", "WA"),
        "exit_at_import": ("exit(0)\ndef f(x):\n    return 3", "RE"),
        "os_exit_in_call": ("import os\ndef f(x):\n    os._exit(0)", "RE"),
        "patched_builtins": ("import builtins, json\njson.dumps = lambda *a, **k: '{\"result\": 3}'\n"
                             "builtins.repr = lambda x: '3'\nbuiltins.type = lambda x: int\ndef f(x):\n    return 0", "WA"),
        "atexit_forgery": ("import atexit, os\natexit.register(lambda: os.write(3, b'{\"result\": 3}\\n'))\n"
                           "def f(x):\n    return 0", "WA"),
        "fd_forgery_then_return": ("import os\ndef f(x):\n    os.write(3, b'{\"result\": 99}\\n')\n    return 0", "WA"),
        "grader_frames": ("import gc, sys\ndef f(x):\n    frame = sys._getframe(1)\n    while frame:\n"
                          "        if 'expected' in frame.f_locals:\n            return frame.f_locals['expected']\n"
                          "        frame = frame.f_back\n    for o in gc.get_objects():\n"
                          "        if isinstance(o, dict) and 'expected' in o:\n            return o['expected']\n    return None", "WA"),
        "system_exit_value": ("def f(x):\n    raise SystemExit(3)", "RE"),
    }
    out = {}
    for name, (program, tests, verdict) in stdio.items():
        limits = Limits(time_s=1.0, memory_mb=256, output_kb=1024, processes=16)
        out[name] = (JudgeRequest(program=program, tests=tests, limits=limits), verdict)
    for name, (program, verdict) in call.items():
        out[name] = (JudgeRequest(program=program, kind="call", entry_point="f", tests=_call_tests(), limits=FAST), verdict)
    return out


def _jail_processes() -> list[int]:
    """Processes running as the jail's uid (65534) anywhere on the host."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == 65534 and (entry / "status").read_text().find("Uid:\t65534") >= 0:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def outcome(tmp_path_factory, sandbox_unavailable):
    global SERVER
    SERVER = _listener()
    workdir = tmp_path_factory.mktemp("cwd")
    (workdir / "canary.txt").write_text("keep me")
    old_cwd = os.getcwd()
    os.chdir(workdir)
    os.environ["MTCODEGEN_CANARY"] = "hf_secret_value"
    os.environ.setdefault("HF_TOKEN", "hf_secret_token")
    tmp_before = {p.name for p in Path("/tmp").iterdir()}
    processes_before = set(_jail_processes())  # e.g. the warm jails of the session's judge
    try:
        judge = Judge(mode="nsjail", workers=2)
    except SandboxUnavailable as err:
        sandbox_unavailable(err)
    table = cases()
    started = time.monotonic()
    with judge:
        verdicts = judge.run([request for request, _ in table.values()])
        cgroups_during = judge.launcher.leftover_cgroups()
    elapsed = time.monotonic() - started
    os.chdir(old_cwd)
    del os.environ["MTCODEGEN_CANARY"]
    deadline = time.monotonic() + 3.0  # killed processes may take a moment to vanish from /proc
    while set(_jail_processes()) - processes_before and time.monotonic() < deadline:
        time.sleep(0.05)
    connected = True
    try:
        SERVER.accept()
    except BlockingIOError:
        connected = False
    SERVER.close()
    return {
        "verdicts": dict(zip(table, verdicts)),
        "expected": {name: verdict for name, (_, verdict) in table.items()},
        "workdir": workdir,
        "tmp_new": {p.name for p in Path("/tmp").iterdir()} - tmp_before,
        "processes": sorted(set(_jail_processes()) - processes_before),
        "cgroups": judge.launcher.leftover_cgroups(),
        "cgroups_during": cgroups_during,
        "cgroup_version": judge.launcher.cgroups.version,
        "connected": connected,
        "elapsed": elapsed,
    }


CASE_NAMES = [
    "infinite_loop", "busy_thread", "sleep", "fork_bomb", "memory_bomb_one_shot", "memory_bomb_incremental",
    "memory_bomb_processes",
    "gigabyte_stdout", "gigabyte_stderr", "secret_env", "secret_file", "project_tree", "write_outside_tmp",
    "delete_working_dir", "network_loopback", "kill_parent", "detached_daemon", "daemon_keeps_stdout",
    "os_exit_unflushed", "deep_recursion", "deep_recursion_unlimited", "eof_spinning", "raise_rlimits",
    "ctypes_segfault", "nested_namespaces_and_ptrace", "eq_always_true", "int_subclass_eq", "exit_at_import",
    "os_exit_in_call", "patched_builtins", "atexit_forgery", "fd_forgery_then_return", "grader_frames",
    "system_exit_value",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hostile_program_gets_its_verdict(outcome, name):
    if name == "memory_bomb_processes" and not outcome["cgroup_version"]:
        pytest.skip("needs a writable memory cgroup (rlimits bound each process, not their sum)")
    verdict = outcome["verdicts"][name]
    assert verdict["verdict"] == outcome["expected"][name], (name, verdict["detail"], verdict["tests"][:1])


def test_details_name_the_cause(outcome):
    v = outcome["verdicts"]
    assert v["ctypes_segfault"]["detail"] == "SIGSEGV"
    assert v["deep_recursion"]["detail"].startswith("RecursionError")
    assert v["secret_file"]["detail"].startswith("FileNotFoundError")
    assert v["raise_rlimits"]["detail"].startswith("ValueError")
    assert v["eq_always_true"]["detail"].startswith("returned a Liar")
    assert v["kill_parent"]["passed"] == 2  # the runner survived to run the second test
    assert v["daemon_keeps_stdout"]["tests"][0]["wall_s"] < 5  # not held until the daemon's sleep ends


def test_host_is_unchanged(outcome):
    assert (outcome["workdir"] / "canary.txt").read_text() == "keep me"
    assert sorted(p.name for p in outcome["workdir"].iterdir()) == ["canary.txt"]
    assert not Path("/usr/lib/mtcodegen_pwned").exists()
    assert not outcome["connected"], "a jailed program reached a loopback listener of the host"
    assert outcome["processes"] == [], f"processes left running as uid 65534: {outcome['processes']}"
    if outcome["cgroup_version"]:  # the warm jails were in their cgroups while the judge was open
        assert outcome["cgroups_during"], "cgroups are writable here, yet no per-jail cgroup was created"
    assert outcome["cgroups"] == [], f"per-jail cgroups left behind: {outcome['cgroups']}"
    # Config files carry their judge's pid: other judges running meanwhile (other test sessions) do not count.
    leftovers = [n for n in outcome["tmp_new"] if n.startswith(f"mtcodegen-nsjail-{os.getpid()}-") or n.startswith("nsjail")]
    assert leftovers == [], f"temporary files left in /tmp: {leftovers}"
