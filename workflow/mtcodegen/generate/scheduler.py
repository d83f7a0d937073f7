"""Trajectories in flight: every trajectory of a cell advances on its own (docs/generation.md).

The turn-synchronous loop (loop.run_batch) waits, at every turn, for the longest answer of its batch and then
for the judge, with the engine idle meanwhile. Here each trajectory is a small state machine driven by
events instead:

    model answer arrives -> (CoT turn: ask for the code) -> program goes to the judge's worker pool
    verdict arrives      -> attempt recorded -> finished, or the next turn's request is submitted at once

Model calls go through ``Backend.submit``/``poll`` (vLLM: requests join the engine's continuous batch; the
openai backend: concurrent HTTP requests; others: what was submitted, as one ``chat`` call per poll); the
judge runs on a thread pool beside generation. The per-trajectory steps (messages, attempt records, verdicts,
feedback) are loop.py's, so a cell's records are the turn-synchronous loop's, whatever the order in which
answers arrive (tests/generate/test_scheduler.py compares them); only the timing fields differ in meaning
(``generation_s``: this attempt's own model call(s), submission to answer; ``judge_s``: its own judge call).

Shards stay the unit of persistence: trajectories are admitted shard by shard, in order, while fewer than
``max_in_flight`` are live, and a shard is handed to ``on_shard`` (which writes it) the moment its last
trajectory finishes. A ``kill -9`` therefore loses at most the trajectories in flight. Seeds are per call
(loop.call_seed), so the admission order changes nothing in what is sampled.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from .backends.base import Backend, Completion, EngineDied
from .loop import (PublicCheck, PublicJudge, Trajectory, ask_code, ask_reasoning, clean_text, new_attempt,
                   new_trajectories, sampling_params, sampling_setting, settle, turn_prompts)
from .prompts import CellPrompts

log = logging.getLogger("mtcodegen.generate")
PROGRESS_S = 30.0


@dataclass
class Progress:
    """Counters the progress line reads from its own thread (ints as they are; the per-turn counts under a lock)."""

    total: int = 0
    done: int = 0
    completion_tokens: int = 0
    started: float = field(default_factory=time.perf_counter)
    turns: Counter = field(default_factory=Counter)  # live trajectories per current turn
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def move(self, old: int | None, new: int | None) -> None:
        """A trajectory went from turn ``old`` to ``new`` (None: not live)."""
        with self._lock:
            if old:
                self.turns[old] -= 1
            if new:
                self.turns[new] += 1

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        rate = self.completion_tokens / elapsed if elapsed > 0 else 0.0
        with self._lock:
            counts = sorted(self.turns.items())
        live = ", ".join(f"turn {k}: {v}" for k, v in counts if v) or "none"
        eta = "unknown"
        if 0 < self.done < self.total:
            eta = f"{elapsed / self.done * (self.total - self.done):.0f} s"
        elif self.done == self.total:
            eta = "0 s"
        return (f"progress: {self.done}/{self.total} trajectories done; live by turn: {live}; "
                f"{self.completion_tokens} completion tokens, {rate:.1f} tok/s; elapsed {elapsed:.0f} s, ETA {eta}")


class ProgressLog:
    """Logs ``Progress.line()`` every ``every_s`` seconds from a daemon thread, whatever the main loop is
    blocked in (a long engine step, a judge batch)."""

    def __init__(self, progress: Progress, every_s: float = PROGRESS_S):
        self.progress, self.every_s = progress, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="generate-progress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            log.info(self.progress.line())

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        log.info(self.progress.line())


@dataclass
class _Live:
    """A trajectory's state inside its current turn."""

    t: Trajectory
    shard: int
    turn: int = 0
    reasoning: tuple = ()
    instruction: tuple[str, str] | None = None
    first: tuple[str, Completion] | None = None  # this turn's reasoning answer
    gen_s: float = 0.0
    asked: float = 0.0


def run_cell(
    shards: Sequence[tuple[int, Sequence[dict[str, Any]]]],
    *,
    cell: dict[str, Any],
    sampling: dict[str, Any],
    prompts: CellPrompts,
    backend: Backend,
    judge: PublicJudge,
    on_shard: Callable[[int, list[dict[str, Any]]], None],
    cell_hash: str = "",
    cell_name: str = "",
    max_in_flight: int | None = None,
    judge_workers: int = 2,
    progress_s: float = PROGRESS_S,
) -> Progress:
    """Generate the given shards ((index, problems) pairs, in order) with trajectories in flight; each finished
    shard's records, in (problem, sample) order, go to ``on_shard(index, records)``. Returns the counters."""
    samples, turns = int(sampling.get("samples", 1)), int(cell.get("turns", 1))
    seed = int(sampling_setting(sampling, "seed"))
    trace = prompts.trace
    if max_in_flight is None or max_in_flight < 1:
        max_in_flight = 2 * backend.capacity if backend.capacity else None  # None: all at once
    queue = [(index, new_trajectories(problems, samples, seed, prompts.system, prompts)) for index, problems in shards]
    progress = Progress(total=sum(len(ts) for _, ts in queue))
    remaining = {index: len(ts) for index, ts in queue}
    by_shard = dict(queue)
    pending = [(index, t) for index, ts in queue for t in ts]  # admission order: shard by shard
    pending.reverse()
    live: dict[int, _Live] = {}  # id(trajectory) -> state
    judging: dict[Future, tuple[_Live, dict[str, Any], float]] = {}
    pool = ThreadPoolExecutor(max(1, judge_workers), thread_name_prefix="public-judge")
    ticker = ProgressLog(progress, progress_s)

    def submit(state: _Live, step: int) -> None:
        state.asked = time.perf_counter()
        backend.submit((id(state.t), state.turn, step), state.t.messages, sampling_params(sampling, state.t, state.turn, step))

    def start_turn(state: _Live) -> None:
        progress.move(state.turn, state.turn + 1)
        state.turn += 1
        state.reasoning, state.instruction = turn_prompts(prompts, state.turn)
        state.first, state.gen_s = None, 0.0
        if state.reasoning:
            ask_reasoning(state.t, state.reasoning)
            submit(state, 0)
        else:
            ask_code(state.t, prompts, state.reasoning, state.instruction)
            submit(state, 1)

    def attempt_ready(state: _Live, completion: Completion | None) -> None:
        attempt = new_attempt(state.t, state.turn, state.reasoning, state.instruction, completion, state.first,
                              state.gen_s)
        progress.completion_tokens += attempt["completion_tokens"]
        if attempt["code"] is None:
            finish_attempt(state, attempt, None, 0.0)
            return
        future = pool.submit(judge, [PublicCheck(state.t.problem, attempt["code"], trace)])
        judging[future] = (state, attempt, time.perf_counter())

    def finish_attempt(state: _Live, attempt: dict[str, Any], verdict: dict[str, Any] | None, judge_s: float) -> None:
        settle(state.t, attempt, verdict, judge_s, turns, prompts)
        if state.t.finish is None:
            start_turn(state)
            return
        progress.move(state.turn, None)
        progress.done += 1
        del live[id(state.t)]
        remaining[state.shard] -= 1
        if remaining[state.shard] == 0:
            on_shard(state.shard, [t.record(cell_hash, cell_name) for t in by_shard.pop(state.shard)])

    def answered(key, completions: list[Completion]) -> None:
        tid, turn, step = key
        state = live[tid]
        if not completions:
            raise RuntimeError(f"backend {backend.name!r} returned no completion for a request")
        completion = completions[0]
        state.gen_s += time.perf_counter() - state.asked
        if step == 0:
            text, _ = clean_text(completion.text)
            state.t.messages.append({"role": "assistant", "content": text})
            state.first = (text, completion)
            if completion.finish_reason == "error":  # no code call after a failed reasoning call
                attempt_ready(state, None)
                return
            ask_code(state.t, prompts, state.reasoning, state.instruction)
            submit(state, 1)
            return
        attempt_ready(state, completion)

    def verdicts_in(futures) -> None:
        for future in futures:
            state, attempt, asked = judging.pop(future)
            verdicts = future.result()
            if len(verdicts) != 1:
                raise RuntimeError(f"the judge returned {len(verdicts)} verdicts for 1 program")
            finish_attempt(state, attempt, verdicts[0], time.perf_counter() - asked)

    try:
        while pending or live:
            while pending and (max_in_flight is None or len(live) < max_in_flight):
                index, t = pending.pop()
                state = _Live(t=t, shard=index)
                live[id(t)] = state
                start_turn(state)
            verdicts_in([f for f in list(judging) if f.done()])
            if backend.in_flight():
                try:
                    for key, completions in backend.poll():
                        answered(key, completions)
                except EngineDied as err:
                    raise EngineDied(f"{err}; cell {cell_name or cell_hash}: {len(live)} trajectories in flight, "
                                     f"shards {sorted({s.shard for s in live.values()})} unfinished (finished shards "
                                     "are kept: rerun to resume)") from err
            elif judging:
                done, _ = wait(list(judging), return_when=FIRST_COMPLETED)
                verdicts_in(done)
            elif live:
                raise RuntimeError(f"{len(live)} trajectories neither generating nor being judged (scheduler bug)")
    finally:
        ticker.close()
        pool.shutdown(wait=True, cancel_futures=True)
    return progress
