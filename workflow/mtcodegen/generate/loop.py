"""The multi-turn execution-feedback loop for one batch of trajectories (docs/generation.md).

``run_batch`` is turn-synchronous (the reference; scheduler.py keeps trajectories in flight instead, with the
same per-trajectory steps defined here): every live trajectory of the batch advances one turn together, in one backend call per
model step (two steps in a CoT turn: reasoning, then code), and the turn's programs are judged on the public
tests in one Judge batch. A trajectory stops at its first attempt that passes every public test, or after the
cell's ``turns`` attempts; otherwise the feedback message of the cell's type is its next user turn.

The loop never needs private tests: it sees only ``public_tests``. The backend and the public judge are
injected, so the loop runs unchanged with vLLM and nsjail, or with a scripted backend and a fake judge.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..schema import default
from .backends.base import Backend, Completion, SamplingParams
from .extract import extract_code
from .feedback import feedback_values
# Message building lives in prompts.py; problem_message/code_interface stay importable from here.
from .prompts import CellPrompts, code_interface, first_message, problem_message, render  # noqa: F401

log = logging.getLogger("mtcodegen.generate")

# Responses past this size are cut before they are stored (max_tokens keeps real ones far below it).
MAX_RESPONSE_CHARS = 1_000_000
NO_CODE = "no code"


@dataclass(frozen=True)
class PublicCheck:
    """One program to run on a problem's public tests; ``trace`` asks for an LDB trace of the first failure."""

    problem: dict[str, Any]
    program: str
    trace: str | None = None


# Runs a batch of checks and returns one Verdict (docs/contracts.md §2) per check, in order.
PublicJudge = Callable[[Sequence[PublicCheck]], list[dict[str, Any]]]


def trajectory_seed(sampling_seed: int, problem_id: str, sample: int) -> int:
    """Deterministic per-trajectory seed: the same (seed, problem, sample) always samples the same way."""
    key = f"{sampling_seed}\0{problem_id}\0{sample}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") & 0x7FFFFFFF


def call_seed(seed: int, turn: int, step: int) -> int:
    """Seed of one model call inside a trajectory (turn 1.., step 0 = reasoning, 1 = code)."""
    key = f"{seed}\0{turn}\0{step}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") & 0x7FFFFFFF


def clean_text(text: Any) -> tuple[str, bool]:
    """Model output as storable UTF-8 text (lone surrogates and undecodable bytes replaced), and whether it
    was cut to MAX_RESPONSE_CHARS."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    if len(text) > MAX_RESPONSE_CHARS:
        return text[:MAX_RESPONSE_CHARS], True
    return text, False


def no_code_verdict(problem: dict[str, Any], detail: str = NO_CODE) -> dict[str, Any]:
    return {"verdict": "CE", "passed": 0, "total": len(problem["public_tests"]), "time_s": 0.0, "cached": False,
            "detail": detail, "tests": [], "trace": None}


@dataclass
class Trajectory:
    problem: dict[str, Any]
    sample: int
    seed: int
    messages: list[dict[str, str]]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    finish: str | None = None
    next_user: str = ""  # the problem (turn 1) or the last feedback, before this turn's prompts

    def record(self, cell: str, cell_name: str) -> dict[str, Any]:
        return {"cell": cell, "cell_name": cell_name, "problem_id": self.problem["id"], "sample": self.sample,
                "seed": self.seed, "messages": self.messages, "attempts": self.attempts, "finish": self.finish}


def turn_prompts(prompts: CellPrompts, turn: int) -> tuple[tuple[tuple[str, str], ...], tuple[str, str] | None]:
    """(reasoning prompts, instruction prompt) used in ``turn``: all of the cell's at every turn, or what the
    CoT-retry schedule allows at this turn (turns past its end reuse its last entry)."""
    if prompts.cot_retry is None:
        return prompts.reasoning, prompts.instruction
    uses = prompts.cot_retry[min(turn, len(prompts.cot_retry)) - 1]
    return (prompts.reasoning if "reasoning" in uses else ()), (
        prompts.instruction if "instruction" in uses else None)


@dataclass
class BatchStats:
    backend_calls: int = 0
    judge_calls: int = 0
    completion_tokens: int = 0
    generation_s: float = 0.0


def _chat(backend: Backend, live: list[Trajectory], sampling: dict[str, Any], turn: int, step: int,
          stats: BatchStats) -> tuple[list[Completion], float]:
    params = [sampling_params(sampling, t, turn, step) for t in live]
    started = time.perf_counter()
    results = backend.chat([t.messages for t in live], params)
    elapsed = time.perf_counter() - started
    if len(results) != len(live) or any(len(r) < 1 for r in results):
        raise RuntimeError(f"backend {backend.name!r} returned {len(results)} results for {len(live)} conversations")
    completions = [r[0] for r in results]
    stats.backend_calls += 1
    stats.generation_s += elapsed
    stats.completion_tokens += sum(int(c.completion_tokens or 0) for c in completions)
    return completions, elapsed


def new_trajectories(problems: Sequence[dict[str, Any]], samples: int, seed: int, system: str,
                     prompts: CellPrompts | None = None) -> list[Trajectory]:
    """The ``samples`` trajectories of each problem, in (problem, sample) order, before their first turn.
    ``prompts``: the cell's, for its first-message template (prompts.first_message); else the default message."""
    return [
        Trajectory(problem=p, sample=s, seed=trajectory_seed(seed, p["id"], s),
                   messages=[{"role": "system", "content": system}],
                   next_user=first_message(prompts, p) if prompts else problem_message(p))
        for p in problems for s in range(samples)
    ]


def sampling_params(sampling: dict[str, Any], t: Trajectory, turn: int, step: int) -> SamplingParams:
    return SamplingParams(temperature=float(sampling_setting(sampling, "temperature")),
                          top_p=float(sampling_setting(sampling, "top_p")),
                          max_tokens=int(sampling_setting(sampling, "max_tokens")), n=1,
                          seed=call_seed(t.seed, turn, step))


def sampling_setting(sampling: dict[str, Any], key: str) -> Any:
    """A sampling setting; one the params leave out (a hand run) takes the config schema's default."""
    return sampling[key] if key in sampling else default("sampling", key)


def ask_reasoning(t: Trajectory, reasoning: tuple[tuple[str, str], ...]) -> None:
    """Figure 1, first call: the problem or feedback followed by the reasoning prompt(s)."""
    t.messages.append({"role": "user", "content": "\n\n".join([t.next_user] + [r for _, r in reasoning])})


def ask_code(t: Trajectory, prompts: CellPrompts, reasoning, instruction) -> None:
    """The code call: (the problem or feedback, unless a reasoning call came first), the instruction prompt,
    the code-block convention."""
    opening = [] if reasoning else [t.next_user]
    block = render(prompts.code_block, "code_block.txt", interface=code_interface(t.problem))
    # A first-message template says itself what to write: no code-block request after it in the first turn.
    templated = prompts.problem_template is not None and not t.attempts
    ask = opening + ([instruction[1]] if instruction else []) + ([] if templated else [block])
    t.messages.append({"role": "user", "content": "\n\n".join(ask)})


def new_attempt(t: Trajectory, turn: int, reasoning, instruction, completion: Completion | None,
                first: tuple[str, Completion] | None, gen_s: float) -> dict[str, Any]:
    """The attempt record of one turn (its code extracted; verdict not yet known). ``completion`` is None when
    the reasoning call failed (no code call was made); the code answer is appended to the conversation."""
    attempt: dict[str, Any] = {
        "turn": turn,
        "reasoning": [n for n, _ in reasoning],
        "instruction": instruction[0] if instruction else None,
        "prompt_tokens": sum(int(c.prompt_tokens or 0) for c in (completion, first and first[1]) if c),
        "completion_tokens": sum(int(c.completion_tokens or 0) for c in (completion, first and first[1]) if c),
        "generation_s": round(gen_s, 4),
    }
    if first is not None:
        attempt["reasoning_response"] = first[0]
    if completion is None:  # the reasoning call failed
        attempt.update(response="", code=None, extraction="none", finish_reason="error")
    else:
        text, cut = clean_text(completion.text)
        t.messages.append({"role": "assistant", "content": text})
        found = extract_code(text)
        attempt.update(response=text, code=found.code, extraction=found.method,
                       finish_reason=completion.finish_reason)
        if cut:
            attempt["response_truncated"] = True
    return attempt


def settle(t: Trajectory, attempt: dict[str, Any], verdict: dict[str, Any] | None, judge_s: float, turns: int,
           prompts: CellPrompts) -> None:
    """Record the attempt with its public verdict (None: it was not judged) and decide what comes next:
    finished (public pass, generation error, last turn), or the feedback message of the next turn."""
    error = attempt["finish_reason"] == "error"
    judged = verdict is not None
    verdict = verdict or no_code_verdict(t.problem, "generation error" if error else NO_CODE)
    attempt["public"] = verdict
    attempt["judge_s"] = round(judge_s, 4) if judged else 0.0
    t.attempts.append(attempt)
    if verdict.get("verdict") == "AC":
        t.finish = "public_pass"
    elif error:
        t.finish = "error"
    elif attempt["turn"] == turns:
        t.finish = "max_turns"
    else:
        values = feedback_values(t.problem, verdict)
        t.next_user = render(prompts.feedback, f"feedback/{prompts.feedback_type}.txt", **values)


def run_batch(
    problems: Sequence[dict[str, Any]],
    *,
    cell: dict[str, Any],
    sampling: dict[str, Any],
    prompts: CellPrompts,
    backend: Backend,
    judge: PublicJudge,
    cell_hash: str = "",
    cell_name: str = "",
    stats: BatchStats | None = None,
) -> list[dict[str, Any]]:
    """All ``samples`` trajectories of each problem, advanced turn-synchronously; Trajectory records in
    (problem, sample) order."""
    stats = stats if stats is not None else BatchStats()
    samples, turns = int(sampling.get("samples", 1)), int(cell.get("turns", 1))
    seed = int(sampling_setting(sampling, "seed"))
    trace = prompts.trace
    trajectories = new_trajectories(problems, samples, seed, prompts.system, prompts)
    for turn in range(1, turns + 1):
        live = [t for t in trajectories if t.finish is None]
        if not live:
            break
        reasoning, instruction = turn_prompts(prompts, turn)
        reasoning_out: dict[int, tuple[str, Completion]] = {}
        gen_s = 0.0
        if reasoning:  # Figure 1: problem + reasoning prompt -> reasoning; then instruction -> code
            for t in live:
                ask_reasoning(t, reasoning)
            completions, elapsed = _chat(backend, live, sampling, turn, 0, stats)
            gen_s += elapsed
            for t, c in zip(live, completions):
                text, _ = clean_text(c.text)
                t.messages.append({"role": "assistant", "content": text})
                reasoning_out[id(t)] = (text, c)
        # A trajectory whose reasoning call failed does not get a code call.
        coding = [t for t in live if id(t) not in reasoning_out or reasoning_out[id(t)][1].finish_reason != "error"]
        for t in coding:
            ask_code(t, prompts, reasoning, instruction)
        completions, elapsed = _chat(backend, coding, sampling, turn, 1, stats) if coding else ([], 0.0)
        gen_s += elapsed
        by_id = {id(t): c for t, c in zip(coding, completions)}
        attempts = [(t, new_attempt(t, turn, reasoning, instruction, by_id.get(id(t)), reasoning_out.get(id(t)), gen_s))
                    for t in live]

        to_judge = [(t, a) for t, a in attempts if a["code"] is not None]
        started = time.perf_counter()
        verdicts = judge([PublicCheck(t.problem, a["code"], trace) for t, a in to_judge]) if to_judge else []
        judge_s = time.perf_counter() - started
        if to_judge:
            stats.judge_calls += 1
        if len(verdicts) != len(to_judge):
            raise RuntimeError(f"the judge returned {len(verdicts)} verdicts for {len(to_judge)} programs")
        judged = {id(a): v for (_, a), v in zip(to_judge, verdicts)}
        passed = sum(v.get("verdict") == "AC" for v in verdicts)
        tokens = sum(a["completion_tokens"] for _, a in attempts)
        log.info("turn %d/%d: %d live trajectories, %d public passes, %d completion tokens in %.1f s (%.1f tok/s),"
                 " judged in %.1f s", turn, turns, len(live), passed, tokens, gen_s, tokens / gen_s if gen_s else 0.0,
                 judge_s)
        for t, attempt in attempts:
            settle(t, attempt, judged.get(id(attempt)), judge_s, turns, prompts)
    return [t.record(cell_hash, cell_name) for t in trajectories]
