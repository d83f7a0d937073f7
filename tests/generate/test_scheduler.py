"""Trajectories in flight (scheduler.run_cell): same records as the turn-synchronous loop, no turn barrier,
shards handed over as they finish, a dead engine named, progress lines."""

from __future__ import annotations

import logging
import random
import threading

import pytest

from mtcodegen.generate.backends.base import EngineDied
from mtcodegen.generate.backends.scripted import ScriptedBackend
from mtcodegen.generate.loop import run_batch
from mtcodegen.generate.scheduler import Progress, run_cell
from generate_fakes import FakeJudge, stdio_problem

FAIL = "Attempt:\n```python\nprint('fail')\n```"
PASS = "Fixed:\n```python\nprint('PASS')\n```"
NOCODE = "I am not sure."
REASONING = "Reasoning: add the numbers."
SAMPLING = {"samples": 3, "seed": 11, "temperature": 1.0, "max_tokens": 64}


def responder(conversation, params):
    """A deterministic answer from the conversation alone (problem id, turn, whether code is asked for):
    trajectories differ by problem and turn, and some pass late, some never, some answer without code."""
    problem = int(conversation[1]["content"].split("toy/")[1].split(":")[0])
    answers = sum(m["role"] == "assistant" for m in conversation)
    if "```python" not in conversation[-1]["content"] and "reason" in conversation[-1]["content"].lower():
        return REASONING
    choice = (problem * 7 + answers * 3 + params.seed % 5) % 4
    return [FAIL, PASS, FAIL, NOCODE][choice]


class StreamingBackend(ScriptedBackend):
    """Native submit/poll like vLLM's: each poll finishes a random few of the requests in flight, in random
    order, so that trajectories come back out of turn."""

    def __init__(self, *args, seed=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.flight, self.rng, self.max_flight = [], random.Random(seed), 0
        self.submitted = []

    def submit(self, key, conversation, params):
        self.flight.append((key, [dict(m) for m in conversation], params))
        self.submitted.append(params.seed)
        self.max_flight = max(self.max_flight, len(self.flight))

    def in_flight(self):
        return len(self.flight)

    def poll(self):
        self.rng.shuffle(self.flight)
        take = self.rng.randint(1, len(self.flight))
        done, self.flight = self.flight[:take], self.flight[take:]
        results = self.chat([c for _, c, _ in done], [p for _, _, p in done])
        return [(key, r) for (key, _, _), r in zip(done, results)]


def strip_timing(records):
    for r in records:
        for a in r["attempts"]:
            a.pop("generation_s"), a.pop("judge_s")
    return records


def streamed(library, cell, problems, shard_size=2, backend=None, **kwargs):
    backend = backend or StreamingBackend(responder, seed=kwargs.pop("seed", 0))
    shards = [(i // shard_size, problems[i:i + shard_size]) for i in range(0, len(problems), shard_size)]
    written = []
    run_cell(shards, cell=cell, sampling=SAMPLING, prompts=library.for_cell(cell), backend=backend, judge=FakeJudge(),
             on_shard=lambda i, recs: written.append((i, recs)), cell_hash="h", cell_name="n", **kwargs)
    return written, backend


@pytest.mark.parametrize("overrides", [
    {"turns": 3},
    {"turns": 2, "reasoning": "explain_io_pairs"},
    {"turns": 3, "cot_retry": True, "reasoning": "explain_io_pairs", "instruction": "step_by_step"},
    {"turns": 3, "feedback": "ldb_block"},
])
@pytest.mark.parametrize("seed", [0, 1])
def test_records_equal_the_turn_synchronous_loop(library, make_cell, overrides, seed):
    c = make_cell(**overrides)
    problems = [stdio_problem(f"toy/{i}") for i in range(5)]
    reference = run_batch(problems, cell=c, sampling=SAMPLING, prompts=library.for_cell(c),
                          backend=ScriptedBackend(responder), judge=FakeJudge(), cell_hash="h", cell_name="n")
    written, backend = streamed(library, c, problems, seed=seed, max_in_flight=4)
    assert sorted(i for i, _ in written) == [0, 1, 2]
    got = [r for _, recs in sorted(written, key=lambda x: x[0]) for r in recs]
    assert strip_timing(got) == strip_timing(reference)
    assert {r["finish"] for r in reference} >= {"public_pass", "max_turns"}  # the cases differ in what happens
    assert backend.max_flight <= 4


def test_same_call_seeds_whatever_the_order(library, make_cell):
    c = make_cell(turns=3)
    problems = [stdio_problem(f"toy/{i}") for i in range(4)]
    reference = ScriptedBackend(responder)
    run_batch(problems, cell=c, sampling=SAMPLING, prompts=library.for_cell(c), backend=reference, judge=FakeJudge())
    seeds = sorted(p.seed for call in reference.params for p in call)
    for order in (0, 5):
        _, backend = streamed(library, c, problems, seed=order)
        assert sorted(backend.submitted) == seeds


def test_no_turn_barrier_a_slow_judge_does_not_hold_the_others(library, make_cell):
    """Problem 0's first verdict waits until problem 1's trajectory has finished all three turns: under a
    turn barrier that can never happen (the wait would time out)."""
    finished_other = threading.Event()
    waited = []

    class SlowJudge(FakeJudge):
        def __call__(self, checks):
            (check,) = checks
            if check.problem["id"] == "toy/0" and not waited:
                waited.append(finished_other.wait(timeout=20))
            out = super().__call__(checks)
            if check.problem["id"] == "toy/1" and len([b for b in self.batches if b[0].problem["id"] == "toy/1"]) == 3:
                finished_other.set()
            return out

    c = make_cell(turns=3)
    shards = [(0, [stdio_problem("toy/0")]), (1, [stdio_problem("toy/1")])]
    order = []
    run_cell(shards, cell=c, sampling={"samples": 1, "seed": 0}, prompts=library.for_cell(c),
             backend=ScriptedBackend(responses=[FAIL]), judge=SlowJudge(), on_shard=lambda i, r: order.append(i),
             judge_workers=2)
    assert waited == [True]
    assert order == [1, 0]  # the later shard, finished first, was handed over first


def test_admission_is_shard_by_shard_and_bounded(library, make_cell):
    c = make_cell(turns=2)
    problems = [stdio_problem(f"toy/{i}") for i in range(8)]
    written, backend = streamed(library, c, problems, shard_size=1, max_in_flight=3)
    assert backend.max_flight <= 3
    assert sorted(i for i, _ in written) == list(range(8))
    for i, records in written:
        assert [r["problem_id"] for r in records] == [f"toy/{i}"] * 3
        assert [r["sample"] for r in records] == [0, 1, 2]


def test_a_dead_engine_is_an_error_naming_the_cell_and_unfinished_shards(library, make_cell):
    class DyingBackend(ScriptedBackend):
        polls = 0

        def poll(self):
            self.polls += 1
            if self.polls == 3:
                raise EngineDied("the vLLM engine died while generating 2 requests in flight")
            return super().poll()

    c = make_cell(turns=1)
    shards = [(i, [stdio_problem(f"toy/{i}")]) for i in range(4)]
    written = []
    with pytest.raises(EngineDied, match=r"engine died.*cell n: \d+ trajectories in flight, shards \[2(, 3)?\] "
                                         r"unfinished \(finished shards are kept"):
        run_cell(shards, cell=c, sampling={"samples": 1}, prompts=library.for_cell(c),
                 backend=DyingBackend(responses=[FAIL]), judge=FakeJudge(),
                 on_shard=lambda i, r: written.append(i), cell_name="n", max_in_flight=1)
    assert written == [0, 1]


def test_progress_line_and_periodic_log(library, make_cell, caplog):
    p = Progress(total=40, done=10, completion_tokens=500)
    p.started -= 50.0
    p.turns.update({1: 20, 2: 10})
    line = p.line()
    assert "10/40 trajectories done" in line and "turn 1: 20, turn 2: 10" in line
    assert "10.0 tok/s" in line and "ETA 150 s" in line  # 50 s for 10 -> 150 s for the other 30

    class Slow(ScriptedBackend):
        def chat(self, conversations, params):
            threading.Event().wait(0.15)
            return super().chat(conversations, params)

    c = make_cell(turns=2)
    with caplog.at_level(logging.INFO, logger="mtcodegen.generate"):
        run_cell([(0, [stdio_problem("toy/0")])], cell=c, sampling={"samples": 2}, prompts=library.for_cell(c),
                 backend=Slow(responses=[FAIL]), judge=FakeJudge(), on_shard=lambda i, r: None, progress_s=0.05)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("progress:")]
    assert len(lines) >= 3 and "2/2 trajectories done" in lines[-1] and "ETA 0 s" in lines[-1]
