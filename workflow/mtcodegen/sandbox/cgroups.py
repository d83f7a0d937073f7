"""Which cgroup hierarchy this machine has, and where the judge may create per-jail cgroups.

cgroup v1 (this development machine): one mount per controller (``/sys/fs/cgroup/memory``, ``.../pids``);
nsjail creates ``NSJAIL.<pid>`` under a parent we own inside *our own* cgroup, so that the jails stay inside
whatever limit the host has put on us. cgroup v2 (GPU machines): one unified mount; nsjail needs a delegated
directory whose ``cgroup.subtree_control`` enables ``memory`` and ``pids``. When nothing is writable the judge
falls back to rlimits (address space, process count), which are enforced in any case.
"""

from __future__ import annotations

import os
import re
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PARENT_NAME = "mtcodegen-judge"  # + "-<pid>-<n>": one parent per Judge, removed when it closes
_PARENT_PATTERN = re.compile(rf"^{PARENT_NAME}-(\d+)-\d+$")
_instances = iter(range(1 << 30))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def unique_parent_name() -> str:
    return f"{PARENT_NAME}-{os.getpid()}-{next(_instances)}"


@dataclass(frozen=True)
class CgroupSetup:
    version: int | None  # 1, 2, or None when cgroups cannot be used
    memory_mount: str = ""  # v1: the memory controller's mount; v2: the unified mount
    memory_parent: str = ""  # parent path relative to memory_mount (v1) or absolute directory (v2)
    pids_mount: str = ""
    pids_parent: str = ""
    reason: str = ""  # why cgroups are not used, when version is None

    def _parents(self) -> list[Path]:
        pairs = ((self.memory_mount, self.memory_parent), (self.pids_mount, self.pids_parent))
        return [Path(mount) / parent if self.version == 1 else Path(parent) for mount, parent in pairs if mount]

    def leftovers(self) -> list[str]:
        """Per-jail cgroups (NSJAIL.<pid>) of this judge that still exist: nsjail removes its own at exit, a
        killed nsjail may not. Each Judge has its own parent, so other judges' live jails never show here."""
        return [str(p) for base in self._parents() if base.is_dir() for p in base.iterdir()
                if p.is_dir() and p.name.startswith("NSJAIL")]

    def oom_file_of(self, nsjail_pid: int) -> Path | None:
        """The OOM-event file of the jail nsjail ``nsjail_pid`` started: its NSJAIL.<pid> memory cgroup holds the
        jail's PID 1, a child of that nsjail process."""
        base = self._parents()[0] if self.memory_mount else None
        if base is None or not base.is_dir():
            return None
        for directory in base.iterdir():
            if not directory.name.startswith("NSJAIL"):
                continue
            try:
                pids = (directory / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                if f"\nPPid:\t{nsjail_pid}\n" in status:
                    return directory / ("memory.oom_control" if self.version == 1 else "memory.events")
        return None

    def remove(self, wait_s: float = 2.0) -> None:
        """Remove the per-jail cgroups and our parent; a cgroup whose processes are still exiting cannot be
        removed yet, so retry a moment."""
        deadline = time.monotonic() + wait_s
        while True:
            busy = False
            for path in self.leftovers() + [str(p) for p in self._parents()]:
                try:
                    os.rmdir(path)
                except FileNotFoundError:
                    pass
                except OSError:
                    busy = True
            if not busy or time.monotonic() > deadline:
                return
            time.sleep(0.05)


def _own_cgroups(proc_cgroup: Path) -> dict[str, str]:
    """controller -> our cgroup path, from /proc/self/cgroup ("" is the v2 unified entry)."""
    result = {}
    for line in proc_cgroup.read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            result[controller] = path
    return result


def detect(root: str | os.PathLike = "/sys/fs/cgroup", proc_cgroup: str | os.PathLike = "/proc/self/cgroup",
           create: bool = True, name: str | None = None) -> CgroupSetup:
    """Find a usable hierarchy and (with ``create``) make our parent directory ``name`` in it."""
    name = name or unique_parent_name()
    root, proc_cgroup = Path(root), Path(proc_cgroup)
    try:
        own = _own_cgroups(proc_cgroup)
    except OSError as err:
        return CgroupSetup(None, reason=f"cannot read {proc_cgroup}: {err}")
    if (root / "cgroup.controllers").exists():
        return _detect_v2(root, own.get("", "/"), create, name)
    if (root / "memory").is_dir() and (root / "pids").is_dir():
        return _detect_v1(root, own, create, name)
    return CgroupSetup(None, reason=f"no cgroup v1 memory+pids or v2 hierarchy under {root}")


def _detect_v1(root: Path, own: dict[str, str], create: bool, name: str) -> CgroupSetup:
    parents = {}
    for controller in ("memory", "pids"):
        relative = (own.get(controller, "/").strip("/") + "/" + name).strip("/")
        directory = root / controller / relative
        try:
            if create:
                directory.mkdir(parents=True, exist_ok=True)
            if not os.access(directory, os.W_OK):
                return CgroupSetup(None, reason=f"{directory} is not writable")
        except OSError as err:
            return CgroupSetup(None, reason=f"cannot create {directory}: {err}")
        parents[controller] = relative
    return CgroupSetup(1, str(root / "memory"), parents["memory"], str(root / "pids"), parents["pids"])


def _detect_v2(root: Path, own_path: str, create: bool, name: str) -> CgroupSetup:
    """v2: nsjail creates NSJAIL.<pid> under a parent directory whose subtree_control enables memory and pids.
    That parent is a child of our own cgroup, so our cgroup must pass those controllers down (its
    cgroup.subtree_control; on a systemd machine, a delegated unit)."""
    own_dir = root / own_path.strip("/")
    parent = own_dir / name
    try:
        if create:
            parent.mkdir(exist_ok=True)
        controllers_file = parent / "cgroup.controllers"
        available = set(controllers_file.read_text().split()) if controllers_file.exists() else set()
        missing = {"memory", "pids"} - available
        if missing:
            return CgroupSetup(None, reason=f"cgroup v2 controllers {sorted(missing)} are not delegated to {parent} "
                               f"(enable them in {own_dir / 'cgroup.subtree_control'})")
        control = parent / "cgroup.subtree_control"
        enabled = set(control.read_text().split()) if control.exists() else set()
        if create and not {"memory", "pids"} <= enabled:
            control.write_text("+memory +pids")
        if not os.access(parent, os.W_OK):
            return CgroupSetup(None, reason=f"{parent} is not writable")
    except OSError as err:
        return CgroupSetup(None, reason=f"cannot delegate {parent}: {err}")
    return CgroupSetup(2, str(root), str(parent), str(root), str(parent))


def _candidate_dirs(root: Path, own: dict[str, str]) -> list[Path]:
    """Where judges started from our cgroup put their parents: our own memory and pids cgroups (v1), our
    unified cgroup (v2)."""
    if (root / "cgroup.controllers").exists():
        return [root / own.get("", "/").strip("/")]
    return [root / controller / own.get(controller, "/").strip("/") for controller in ("memory", "pids")]


def reap_dead_judges(root: str | os.PathLike = "/sys/fs/cgroup", proc_cgroup: str | os.PathLike = "/proc/self/cgroup",
                     wait_s: float = 3.0) -> list[str]:
    """Remove what killed judges left in our cgroups: the ``mtcodegen-judge-<pid>-<n>`` parents whose judge
    process ``<pid>`` no longer exists, after killing the jail processes still in their ``NSJAIL.*``
    children (a jail outlives its killed judge until its current test ends, holding the test's memory).
    Returns the directories removed. Judges alive (ours or another user's) are never touched."""
    root = Path(root)
    try:
        own = _own_cgroups(Path(proc_cgroup))
    except OSError:
        return []
    dead = []
    for base in _candidate_dirs(root, own):
        try:
            entries = list(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            match = _PARENT_PATTERN.match(entry.name)
            if match and entry.is_dir() and not pid_alive(int(match.group(1))):
                dead.append(entry)
    for parent in dead:
        for child in parent.glob("NSJAIL*"):
            try:
                pids = (child / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass
    removed, deadline = [], time.monotonic() + wait_s
    pending = [c for parent in dead for c in parent.glob("NSJAIL*") if c.is_dir()] + dead
    while pending:
        left = []
        for path in pending:
            try:
                os.rmdir(path)
                removed.append(str(path))
            except FileNotFoundError:
                pass
            except OSError:  # its killed processes are still exiting
                left.append(path)
        if not left or time.monotonic() > deadline:
            break
        pending = left
        time.sleep(0.05)
    return removed
