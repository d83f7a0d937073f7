"""Decontamination against evaluation splits, and the whole stage end to end through the CLI."""

from __future__ import annotations

import json

import pytest

from mtcodegen.cli import main
from mtcodegen.jsonl import read_jsonl, write_jsonl
from mtcodegen.rft.build import select_trajectories

EVAL_STATEMENT = (
    "You are given an array of n integers. Find the length of the longest strictly increasing contiguous "
    "subarray and print it."
)
PARAPHRASE = (
    "Given an array of n integers, print the length of the longest contiguous subarray that is strictly "
    "increasing."
)
UNRELATED = "A string s of lowercase letters is given. Count how many vowels it contains and print the count."
REFERENCE = (
    "n = int(input())\na = list(map(int, input().split()))\nbest = cur = 1\nfor i in range(1, n):\n"
    "    cur = cur + 1 if a[i] > a[i - 1] else 1\n    best = max(best, cur)\nprint(best)\n"
)
VOWELS = "s = input()\nprint(sum(ch in 'aeiou' for ch in s))\n"


@pytest.mark.slow
def test_paraphrased_statement_and_copied_reference_are_removed(synthetic):
    train = [synthetic.make_problem("cc/1", PARAPHRASE), synthetic.make_problem("cc/2", UNRELATED),
             synthetic.make_problem("cc/3", "Print the sum of the two given integers a and b.")]
    evaluation = [synthetic.make_problem("mbpp/9", EVAL_STATEMENT, reference=REFERENCE)]
    trajectories = [
        synthetic.make_trajectory("cc/1", 0, [REFERENCE], statement=PARAPHRASE),
        synthetic.make_trajectory("cc/2", 0, [VOWELS], statement=UNRELATED),
        # unrelated statement, but the final code is the eval reference with one import added
        synthetic.make_trajectory("cc/3", 0, ["import sys\n" + REFERENCE]),
    ]
    kept, removed = select_trajectories(trajectories, train, evaluation, synthetic.PARAMS)
    assert [t["problem_id"] for t in kept] == ["cc/2"]
    by_problem = {r["problem_id"]: r for r in removed}
    assert by_problem["cc/1"]["reason"] == "eval_statement_similar"
    assert by_problem["cc/1"]["eval_id"] == "mbpp/9" and by_problem["cc/1"]["similarity"] >= 0.8
    assert by_problem["cc/3"]["reason"] == "eval_code_duplicate", by_problem["cc/3"]


@pytest.mark.slow
def test_rft_data_command_writes_train_stats_and_removed(synthetic, prompts_dir, tmp_path):
    trajectories = [synthetic.make_trajectory("cc/2", 0, [VOWELS], statement=UNRELATED),
                    synthetic.make_trajectory("cc/2", 1, ["print(0)", VOWELS], statement=UNRELATED),
                    synthetic.make_trajectory("cc/2", 2, ["print(0)"], statement=UNRELATED, private_pass=False)]
    write_jsonl(tmp_path / "traj.jsonl.gz", trajectories)
    write_jsonl(tmp_path / "train_problems.jsonl.gz", [synthetic.make_problem("cc/2", UNRELATED)])
    write_jsonl(tmp_path / "eval.jsonl.gz", [synthetic.make_problem("mbpp/9", EVAL_STATEMENT, REFERENCE)])
    params = synthetic.PARAMS | {"eval_splits": ["mbpp/test"], "train_turn_classes": ["multi_turn"]}
    out = tmp_path / "out"
    code = main(["rft-data", "--trajectories", str(tmp_path / "traj.jsonl.gz"),
                 "--train-problems", str(tmp_path / "train_problems.jsonl.gz"),
                 "--eval", f"mbpp/test={tmp_path / 'eval.jsonl.gz'}", "--params", json.dumps(params),
                 "--prompts", str(prompts_dir), "--out", str(out)])
    assert code == 0
    train = list(read_jsonl(out / "train.jsonl"))
    stats = json.loads((out / "stats.json").read_text())
    removed = list(read_jsonl(out / "removed.jsonl"))
    # sample 1's final code equals sample 0's, but they are of different turn classes: the multi-turn one
    # is trained on, the single-turn one is not (the paper's multi-turn-only set)
    assert [(r["problem_id"], r["turns"]) for r in train] == [("cc/2", 2)]
    assert set(train[0]) >= {"messages", "problem_id", "source_cell", "turns"}
    assert stats["trajectories"] == 1 and stats["problems"] == 1 and stats["input_trajectories"] == 3
    assert stats["removed"] == {"fails_private_tests": 1, "turn_class_not_trained": 1}
    assert sorted(r["reason"] for r in removed) == ["fails_private_tests", "turn_class_not_trained"]
    assert stats["by_turn_class"]["single_turn"]["after_dedup"] == 1
    assert stats["by_turn_class"]["multi_turn"]["trained"] == 1 and stats["train_turn_classes"] == ["multi_turn"]
    assert stats["prompts_stripped"] == 2 and stats["assistant_tokens"] == 40


def test_missing_eval_split_file_is_a_clear_error(synthetic, prompts_dir, tmp_path, capsys):
    write_jsonl(tmp_path / "t.jsonl", [])
    params = synthetic.PARAMS | {"eval_splits": ["mbpp/test"]}
    code = main(["rft-data", "--trajectories", str(tmp_path / "t.jsonl"), "--train-problems",
                 str(tmp_path / "t.jsonl"), "--params", json.dumps(params), "--prompts", str(prompts_dir),
                 "--out", str(tmp_path / "o")])
    assert code == 2
    assert "mbpp/test" in capsys.readouterr().err
