"""The finetune's progress line in its log, at least every ``interval_s`` seconds (issue #11 item 6): steps
done of the total, tokens/s, elapsed time, ETA, last loss.

A callback alone would only speak at step ends, and one step of a 70B model can take longer than the
interval; a daemon thread prints the last known state on a timer, and the callback updates that state.
Only the main process prints (every rank runs the callbacks).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from transformers import TrainerCallback


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{seconds:02d}s" if hours else f"{minutes}m{seconds:02d}s"


def progress_line(step: int, total: int, tokens: int, elapsed: float, loss: float | None,
                  step_base: int = 0, tokens_base: int = 0) -> str:
    """``step_base``/``tokens_base``: where a resumed run started, so rates count this run's work only."""
    done = step - step_base
    rate = (tokens - tokens_base) / elapsed if elapsed > 0 and tokens > tokens_base else None
    eta = elapsed / done * (total - step) if done > 0 else None
    parts = [f"finetune: step {step}/{total} ({100 * step / total:.1f} %)" if total else f"finetune: step {step}",
             f"{rate:,.0f} tokens/s" if rate is not None else "tokens/s ?",
             f"elapsed {_duration(elapsed)}", f"ETA {_duration(eta)}"]
    if loss is not None:
        parts.append(f"loss {loss:.4f}")
    return ", ".join(parts)


class ProgressLog(TrainerCallback):
    def __init__(self, interval_s: float = 30.0, stream: TextIO | None = None, clock=time.monotonic):
        if not 0 < interval_s <= 30:
            raise ValueError(f"progress interval must be in (0, 30] seconds, got {interval_s}")
        self.interval_s = interval_s
        self.stream = stream or sys.stderr
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lines: list[str] = []  # what was printed (tests read it)
        self._state = {"step": 0, "total": 0, "tokens": 0, "loss": None, "step_base": 0, "tokens_base": 0}
        self._started = 0.0

    def _emit(self) -> None:
        with self._lock:
            line = progress_line(elapsed=self.clock() - self._started, **self._state)
            self.lines.append(line)
        print(line, file=self.stream, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._emit()

    def on_train_begin(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self._started = self.clock()
        with self._lock:
            self._state.update(step=state.global_step, total=state.max_steps, tokens=state.num_input_tokens_seen,
                               step_base=state.global_step, tokens_base=state.num_input_tokens_seen)
        self._emit()
        self._thread = threading.Thread(target=self._run, name="finetune-progress", daemon=True)
        self._thread.start()

    def on_step_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            with self._lock:
                self._state.update(step=state.global_step, total=state.max_steps,
                                   tokens=state.num_input_tokens_seen)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs and "loss" in logs:
            with self._lock:
                self._state["loss"] = float(logs["loss"])

    def on_train_end(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._state.update(step=state.global_step, tokens=state.num_input_tokens_seen)
        self._emit()
