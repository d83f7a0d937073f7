"""End to end: the real SmolLM2-135M checkpoint (vLLM on CPU) and the real nsjail judge, on 2 MBPP problems."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mtcodegen.jsonl import read_jsonl

pytestmark = pytest.mark.slow


def test_two_mbpp_problems_with_smollm2_and_nsjail(tmp_path, smollm2_checkpoint, shared_data):
    problems = tmp_path / "mbpp.jsonl.gz"
    prepare = {"dataset": "mbpp_sample", "format": "sandboxfusion_mbpp", "split": "test",
               "source": {"files": {"test": str(shared_data / "mbpp_sample20.jsonl")}}}
    mtcodegen = [sys.executable, "-m", "mtcodegen.cli"]
    subprocess.run(mtcodegen + ["prepare-data", "--params", json.dumps(prepare), "--out", str(problems),
                                "--report", str(tmp_path / "report.json")], check=True, capture_output=True)
    params = {"engine": {"backend": "vllm", "dtype": "float32", "enforce_eager": True, "max_model_len": 2048,
                         "kv_cache_gb": 1},
              "execution": {"sandbox": "nsjail", "time_limit_s": 2.0, "time_limit_factor": 1.0,
                            "memory_limit_mb": 512, "output_limit_kb": 256, "max_processes": 8, "workers": 2}}
    out = tmp_path / "cell" / "trajectories.jsonl.gz"
    run = subprocess.run(mtcodegen + ["generate", "--problems", str(problems), "--model-dir", str(smollm2_checkpoint),
                                      "--out", str(out), "--params", json.dumps(params), "--turns", "2",
                                      "--limit", "2", "--samples", "1", "--max-tokens", "128", "--seed", "1"],
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    records = list(read_jsonl(out))
    problems_by_id = {p["id"]: p for p in read_jsonl(problems)}
    assert [r["sample"] for r in records] == [0, 0] and len({r["problem_id"] for r in records}) == 2
    for r in records:
        assert r["messages"][0]["role"] == "system" and r["finish"] in ("public_pass", "max_turns")
        assert 1 <= len(r["attempts"]) <= 2
        for a in r["attempts"]:
            assert a["completion_tokens"] > 0 and a["prompt_tokens"] > 0 and a["response"]
            assert a["public"]["verdict"] in ("AC", "WA", "RE", "TLE", "MLE", "OLE", "CE")  # never IE: the sandbox ran
            assert a["public"]["total"] == len(problems_by_id[r["problem_id"]]["public_tests"])
            if a["code"] is not None and a["public"]["verdict"] != "CE":  # a program that loads runs every test
                assert len(a["public"]["tests"]) == a["public"]["total"]
        if r["finish"] == "max_turns":  # the failed first attempt's feedback is the next user turn
            assert r["messages"][3]["role"] == "user" and "public tests" in r["messages"][3]["content"]
    stats = json.loads((out.parent / "stats.json").read_text())
    assert stats["trajectories"] == 2 and stats["completion_tokens"] > 0
    assert "shard 1/1 written" in run.stderr and "progress: 2/2 trajectories done" in run.stderr  # progress is logged
    (runtime,) = stats["runtime"]  # what generated it (issue #11.7)
    assert runtime["backend"] == "vllm" and runtime["dtype"] == "float32" and runtime["engine"].startswith("vllm 0.")
    print(stats, [line for line in run.stderr.splitlines() if "mtcodegen.generate" in line])
