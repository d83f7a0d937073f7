"""Engine processes die with the process that started them, even when it is killed with SIGKILL.

vLLM runs its model in child processes (``VLLM::EngineCore``, which starts ``VLLM::Worker``). When the generate
worker is killed with SIGKILL (a scheduler's time limit, a preemption, ``kill -9``) nothing runs in it any
more, so the engine is never shut down: re-parented to PID 1, it idles on with its weights and KV cache
(5.6 GB here; a whole GPU on a GPU node) while the resumed job starts a second engine beside it.

The fix works from outside the killed process, and without relying on the engine's internals:

- before the engine starts, the owner puts a unique token into its environment (``MTCODEGEN_ENGINE_OWNER``),
  which every process the engine starts inherits;
- a small watchdog process (this module's ``main``, in a session of its own so that a process-group kill of
  the job does not take it along) checks twice a second whether its parent is still alive;
- when the parent is gone, it sends SIGTERM, then SIGKILL, to every process whose environment carries the
  token, until none is left, and exits. A normal ``close()`` ends the watchdog without killing anything (the
  engine's own shutdown has run; the judge's sandboxes, which inherit the token too, are closed by the judge).

A parent-death signal (``PR_SET_PDEATHSIG``) set in the engine's children would need code running inside
vLLM's processes and is cleared by every fork; the environment token reaches grandchildren as well.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)
TOKEN_VAR = "MTCODEGEN_ENGINE_OWNER"
POLL_S = 0.5
TERM_GRACE_S = 3.0


def processes_with_token(token: str, proc: Path = Path("/proc")) -> list[int]:
    """PIDs (other than this one) whose initial environment holds ``TOKEN_VAR=token``."""
    needle = f"{TOKEN_VAR}={token}".encode()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_all(token: str) -> list[int]:
    """SIGTERM every process carrying the token, SIGKILL what is left after the grace period; the PIDs hit."""
    hit: list[int] = []
    deadline = time.monotonic() + TERM_GRACE_S
    for sig in (signal.SIGTERM, signal.SIGKILL):
        while True:
            pids = processes_with_token(token)
            if not pids:
                return hit
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
                if pid not in hit:
                    hit.append(pid)
            if sig == signal.SIGKILL:
                if time.monotonic() > deadline + 10:  # unkillable (D state): give up, saying so
                    print(f"reaper: processes {pids} did not die", file=sys.stderr)
                    return hit
                time.sleep(0.1)
                continue
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    return hit


class Reaper:
    """Started by a backend before its engine: ``reaper = Reaper(); ...start the engine...; reaper.close()``."""

    def __init__(self) -> None:
        self.token = f"{os.getpid()}-{secrets.token_hex(8)}"
        self._previous = os.environ.get(TOKEN_VAR)
        env = {k: v for k, v in os.environ.items() if k != TOKEN_VAR}  # the watchdog must not kill itself
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mtcodegen.generate.backends.reaper", str(os.getpid()), self.token],
            stdin=subprocess.PIPE, env=env, start_new_session=True, close_fds=True,
        )
        os.environ[TOKEN_VAR] = self.token  # from now on inherited by every process this one starts

    def close(self) -> None:
        """The engine was shut down normally: stop watching (kills nothing)."""
        if self.process.poll() is None:
            try:
                self.process.stdin.write(b"close\n")
                self.process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if os.environ.get(TOKEN_VAR) == self.token:
            if self._previous is None:
                os.environ.pop(TOKEN_VAR, None)
            else:
                os.environ[TOKEN_VAR] = self._previous


def main(argv: list[str]) -> int:
    parent, token = int(argv[0]), argv[1]
    os.set_blocking(sys.stdin.fileno(), False)
    while True:
        try:
            data = os.read(sys.stdin.fileno(), 64)
        except BlockingIOError:
            data = None
        if data and b"close" in data:  # the owner shut its engine down itself
            return 0
        # Re-parented, or the pipe's end closed without a word: the owner died (its files close as it exits).
        if os.getppid() != parent or data == b"":
            hit = kill_all(token)
            if hit:
                print(f"reaper: owner {parent} died; ended its engine processes {hit}", file=sys.stderr)
            return 0
        time.sleep(POLL_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
