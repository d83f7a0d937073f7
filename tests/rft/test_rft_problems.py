"""rft_problems: the generator's training problems less those whose statement is close to an evaluation
problem's, before any generation; and the plan wires the generator cell to it."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from mtcodegen.cli import main
from mtcodegen.config import load_config
from mtcodegen.jsonl import read_jsonl, write_jsonl
from mtcodegen.plan import build_plan
from mtcodegen.rft.problems import decontaminate_problems

EVAL = "You are given an array of n integers. Find the length of the longest strictly increasing contiguous subarray."
UNRELATED = "A string s of lowercase letters is given. Count how many vowels it contains and print the count."


def problem(pid, statement):
    return {"id": pid, "kind": "stdio", "statement": statement,
            "public_tests": [{"input": "1\n", "output": "1\n"}], "private_tests": []}


@pytest.mark.slow  # loads the MiniLM embedding model (a few seconds)
def test_a_copy_of_an_eval_statement_goes_an_unrelated_one_stays(tmp_path):
    train = [problem("t/2", UNRELATED), problem("t/1", EVAL)]  # t/1 is the eval statement verbatim
    evaluation = [problem("e/9", EVAL)]
    kept, removed = decontaminate_problems(train, evaluation, 0.8)
    assert [p["id"] for p in kept] == ["t/2"]  # the input's order is kept
    assert len(removed) == 1
    assert removed[0]["problem_id"] == "t/1" and removed[0]["eval_id"] == "e/9"
    assert removed[0]["reason"] == "eval_statement_similar"
    assert removed[0]["similarity"] == pytest.approx(1.0, abs=1e-3)  # the same text: cosine 1
    # a threshold above 1 (and its float32 noise) cannot be met even by a copy: the threshold is honoured
    kept_all, removed_none = decontaminate_problems(train, evaluation, 1.01)
    assert removed_none == [] and len(kept_all) == 2

    # through the CLI: files, report, and the same decision
    write_jsonl(tmp_path / "train.jsonl.gz", train)
    write_jsonl(tmp_path / "eval.jsonl.gz", evaluation)
    out = tmp_path / "out"
    argv = ["rft-problems", "--problems", str(tmp_path / "train.jsonl.gz"), "--eval",
            f"e/test={tmp_path / 'eval.jsonl.gz'}", "--params", json.dumps({"decontamination_threshold": 0.8}),
            "--out", str(out)]
    assert main(argv) == 0
    assert [p["id"] for p in read_jsonl(out / "problems.jsonl.gz")] == ["t/2"]
    assert [r["problem_id"] for r in read_jsonl(out / "removed.jsonl")] == ["t/1"]
    report = json.loads((out / "report.json").read_text())
    assert report == {"problems_in": 2, "kept": 1, "removed": 1, "threshold": 0.8, "eval_splits": {"e/test": 1}}


def test_bad_threshold_is_a_clear_error(tmp_path, capsys):
    write_jsonl(tmp_path / "train.jsonl.gz", [problem("t/1", UNRELATED)])
    argv = ["rft-problems", "--problems", str(tmp_path / "train.jsonl.gz"), "--params",
            json.dumps({"decontamination_threshold": 1.5}), "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    assert "decontamination_threshold must be a number in (0, 1], got 1.5" in capsys.readouterr().err


def _config(project_root, decontaminate):
    config = yaml.safe_load((project_root / "config.yaml").read_text())
    config["rft"]["generator"]["decontaminate_problems"] = decontaminate
    return load_config(copy.deepcopy(config), root=project_root)


def test_the_generator_cell_reads_the_decontaminated_problems(project_root):
    on = build_plan(_config(project_root, True), project_root)
    off = build_plan(_config(project_root, False), project_root)
    dataset = on.config["rft"]["generator"]["dataset"]
    train = on.problems_by_ref[dataset]
    [node] = on.nodes["rft_problems"].values()
    # its inputs: the training split and every split rft_data decontaminates against, nothing else
    assert node.inputs["problems"] == train.hash
    assert sorted(k for k in node.inputs if k != "problems") == sorted(k for k in on.rft_data.inputs if k.startswith("eval:"))
    assert on.rft_cell.generate.inputs["problems"] == node.hash
    # off: the generator reads the split itself, and no rft_problems node exists
    assert "rft_problems" not in off.nodes
    assert off.rft_cell.generate.inputs["problems"] == off.problems_by_ref[dataset].hash
    # the evaluation cells do not move with it
    assert [c.generate.hash for c in on.cells if not c.label.get("finetuned")] == \
           [c.generate.hash for c in off.cells if not c.label.get("finetuned")]
