"""The cell runner: problem selection, stats, shards, and resume after a real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtcodegen.generate.backends.scripted import ScriptedBackend
from mtcodegen.generate.stage import generate_cell
from mtcodegen.jsonl import read_jsonl, write_jsonl
from generate_fakes import FakeJudge, stdio_problem

DRIVER = Path(__file__).with_name("resume_driver.py")
PASS = "```python\nprint('PASS')\n```"


def params(**cell):
    return {"cell": {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": 1,
                     "cot_retry": False, "limit": None, "samples": None} | cell,
            "sampling": {"samples": 1, "seed": 0, "temperature": 1.0, "top_p": 0.95, "max_tokens": 64}}


def test_limit_takes_first_by_id_after_skipping_unjudgeable(tmp_path):
    problems = [stdio_problem(f"toy/{i}") for i in (5, 3, 9, 1)]
    problems[1]["checker"] = "unjudgeable"  # toy/3
    write_jsonl(tmp_path / "p.jsonl.gz", problems)
    out = tmp_path / "cell" / "trajectories.jsonl.gz"
    stats = generate_cell(tmp_path / "p.jsonl.gz", params(limit=2), out,
                          backend_factory=lambda: ScriptedBackend(responses=[PASS]), judge_factory=FakeJudge)
    assert [r["problem_id"] for r in read_jsonl(out)] == ["toy/1", "toy/5"]
    assert stats["problems_skipped_unjudgeable"] == 1 and stats["skipped_ids"] == ["toy/3"]
    assert stats["public_pass"] == 2 and json.loads((out.parent / "stats.json").read_text())["trajectories"] == 2
    assert not (out.parent / "shards").exists()  # merged, then removed


def test_shards_of_another_run_are_never_mixed_in(tmp_path):
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem("toy/1")])
    out = tmp_path / "trajectories.jsonl.gz"
    (tmp_path / "shards").mkdir()
    (tmp_path / "shards" / "plan.json").write_text('{"params": "something else"}')
    with pytest.raises(ValueError, match=r"holds shards of a different run"):
        generate_cell(tmp_path / "p.jsonl.gz", params(), out, backend_factory=ScriptedBackend,
                      judge_factory=FakeJudge)


def test_duplicate_problem_ids_and_missing_file_are_named(tmp_path):
    write_jsonl(tmp_path / "p.jsonl.gz", [stdio_problem("toy/1"), stdio_problem("toy/1")])
    kwargs = {"backend_factory": ScriptedBackend, "judge_factory": FakeJudge}
    with pytest.raises(ValueError, match=r"problem id 'toy/1' appears twice"):
        generate_cell(tmp_path / "p.jsonl.gz", params(), tmp_path / "t.jsonl.gz", **kwargs)
    with pytest.raises(FileNotFoundError, match=r"problems file not found"):
        generate_cell(tmp_path / "nope.jsonl.gz", params(), tmp_path / "t.jsonl.gz", **kwargs)


def test_sigkill_mid_cell_then_rerun_keeps_finished_shards(tmp_path):
    problems = [stdio_problem(f"toy/{i:02d}") for i in range(8)]
    write_jsonl(tmp_path / "p.jsonl.gz", problems)
    out = tmp_path / "cell" / "trajectories.jsonl.gz"
    shards = out.parent / "shards"
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, str(DRIVER), str(tmp_path / "p.jsonl.gz"), str(out)]
    proc = subprocess.Popen(cmd + ["0.5"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while len(list(shards.glob("shard-*.jsonl.gz"))) < 3 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    finished = {p.name: [r for r in read_jsonl(p)] for p in shards.glob("shard-*.jsonl.gz")}
    assert 3 <= len(finished) < 8, "the kill came too late to test a resume"
    assert not out.exists()

    rerun = subprocess.run(cmd + ["0"], env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    stats = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert stats["shards_reused"] == len(finished)  # no finished shard is lost
    assert stats["shards_generated"] == 8 - len(finished)
    records = list(read_jsonl(out))
    assert [(r["problem_id"], r["sample"]) for r in records] == [(p["id"], s) for p in problems for s in (0, 1)]
    by_key = {(r["problem_id"], r["sample"]): r for r in records}
    for kept in finished.values():  # the kept shards' trajectories are in the merged file unchanged
        for r in kept:
            assert by_key[(r["problem_id"], r["sample"])] == r
    assert all(r["finish"] == "public_pass" and len(r["attempts"]) == 2 for r in records)
