"""The real generate and execute stages (scripted model, our own trusted programs judged without a jail) feed
the metrics stage: the contract of §3 as those stages actually write it, not as the synthetic helper does."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from mtcodegen.cli import main
from mtcodegen.jsonl import write_jsonl

WRONG = "Let me add them.\n```python\na, b = map(int, input().split())\nprint(a * b)\n```"
RIGHT = "Fixed it:\n```python\na, b = map(int, input().split())\nprint(a + b)\n```"


def _problem(pid: str) -> dict:
    tests = lambda pairs: [{"input": f"{a} {b}\n", "output": f"{a + b}\n"} for a, b in pairs]  # noqa: E731
    return {"id": pid, "dataset": "toy", "split": "test", "source_format": "toy", "kind": "stdio",
            "statement": "Print a + b.", "entry_point": None, "starter_code": "",
            "public_tests": tests([(1, 1), (3, 4)]), "private_tests": tests([(2, 5), (10, 1)]),
            "difficulty": "B", "rating": 1300, "time_limit_s": None, "memory_limit_mb": None, "tags": [],
            "checker": "tokens", "reference_solution": None, "source_hash": "0" * 64}


def test_metrics_read_what_generate_and_execute_write(project_root, tmp_path):
    pytest.importorskip("mtcodegen.sandbox")
    problems = tmp_path / "problems.jsonl.gz"
    write_jsonl(problems, [_problem("toy/1"), _problem("toy/2")])
    (tmp_path / "script.json").write_text(json.dumps({"responses": [WRONG, RIGHT]}))
    generated, judged = tmp_path / "gen.jsonl.gz", tmp_path / "exec.jsonl.gz"
    assert main(["generate", "--problems", str(problems), "--out", str(generated), "--backend", "scripted",
                 "--script", str(tmp_path / "script.json"), "--sandbox", "unsafe_local", "--turns", "3",
                 "--samples", "2", "--cell-name", "toy-cell"]) == 0
    execution = yaml.safe_load((project_root / "config.yaml").read_text())["execution"] | {"sandbox": "unsafe_local"}
    assert main(["execute", "--trajectories", str(generated), "--problems", str(problems),
                 "--execution", json.dumps(execution), "--out", str(judged)]) == 0
    label = {"name": "toy-cell", "model": "scripted", "dataset": "toy/test", "reasoning": "none",
             "instruction": "none", "feedback": "failed_tests", "turns": 3, "cot_retry": False,
             "finetuned": False, "block": "t"}
    config = {"pass_at_k": [1, 2], "n_at_k": [[1, 3]], "bootstrap_resamples": 50, "seed": 0}
    out = tmp_path / "tables"
    assert main(["metrics", "--cells-json", json.dumps([label]), "--inputs", str(judged), "--problems",
                 str(problems), "--config", json.dumps(config), "--out-dir", str(out)]) == 0

    per_turn = pd.read_csv(out / "per_turn.csv").query("k == 1").sort_values("turn")
    assert per_turn["value"].tolist() == [0.0, 1.0, 1.0]  # a*b fails the private tests, a+b passes them
    assert per_turn["active_fraction"].tolist() == [1.0, 1.0, 0.0]  # all stop after the fix at turn 2
    assert pd.read_csv(out / "pass_at_k.csv")["value"].tolist() == [1.0, 1.0]
    # 1@3: a first trajectory spends 2 attempts and passes; the budget's 3rd attempt is a new trajectory's
    # turn 1 (fails public), ranked after it.
    assert pd.read_csv(out / "n_at_k.csv")["value"].item() == 1.0
    similarity = pd.read_csv(out / "similarity.csv")
    assert len(similarity) == 4 and similarity["similarity"].between(0.9, 1.0, inclusive="left").all()
    difficulty = pd.read_csv(out / "per_difficulty.csv")
    assert set(difficulty["group"]) == {"B", "1200-1599"}
    ledger = pd.read_csv(out / "ledger.csv").iloc[0]
    assert ledger["attempts"] == 8 and ledger["missing_counters"] == 0 and ledger["sandbox_errors"] == 0
