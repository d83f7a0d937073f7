"""`limit` keeps the first N problems in numeric id order (mbpp/11 before mbpp/100), in the data stage and in a
grid block's selection. The expectations come from the raw file's integer task ids, not from the sort key."""

from __future__ import annotations

import json
from pathlib import Path

from mtcodegen.data.prepare import prepare
from mtcodegen.generate.stage import select_problems

ROOT = Path(__file__).resolve().parents[2]


def test_data_limit_takes_the_numerically_first(tmp_path):
    rows = [json.loads(line) for line in (ROOT / "data/mbpp/test.jsonl").read_text().splitlines() if line]
    picked = [r for r in rows if r["task_id"] in (11, 12, 100, 101, 102)]
    picked.sort(key=lambda r: str(r["task_id"]))  # the file in string order, as the old sort left it
    source = tmp_path / "test.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in picked))
    params = {"dataset": "mbpp", "format": "mbpp", "split": "test",
              "source": {"files": {"test": str(source)}}, "limit": 3}
    problems, report = prepare(params, tmp_path)
    assert report["skipped"] == {}
    expected = [f"mbpp/{t}" for t in sorted(r["task_id"] for r in picked)][:3]  # integers, sorted
    assert expected == ["mbpp/11", "mbpp/12", "mbpp/100"]
    assert [p["id"] for p in problems] == expected


def _problem(pid):
    return {"id": pid, "kind": "call", "statement": "s", "public_tests": [{"input": "f()", "output": "1"}]}


def test_a_blocks_limit_takes_the_numerically_first():
    problems = [_problem(i) for i in ("mbpp/100", "mbpp/11", "mbpp/9", "HumanEval/10", "HumanEval/2")]
    kept, skipped = select_problems(problems, 3)
    assert [p["id"] for p in kept] == ["HumanEval/2", "HumanEval/10", "mbpp/9"]
    assert skipped == []
