"""Cross-testing decontamination: a renamed, reworded copy of an evaluation problem hidden in the training
split is found by running its solutions on the evaluation problem's tests (the paper's check), where
neither the statement embedding nor the code MinHash sees it."""

from __future__ import annotations

import pytest

from mtcodegen.data.records import call_test
from mtcodegen.rft.build import select_trajectories
from mtcodegen.sandbox import Judge

pytestmark = pytest.mark.slow  # the statement embeddings load MiniLM

# MBPP task 12 (test split), its statement, reference and asserts as in ../shared/data/mbpp/mbpp.jsonl.
MBPP_12 = "Write a function to sort a given matrix in ascending order according to the sum of its rows."
MBPP_12_CODE = "def sort_matrix(M):\r\n    result = sorted(M, key=sum)\r\n    return result"
MBPP_12_TESTS = [
    call_test([[[1, 2, 3], [2, 4, 5], [1, 1, 1]]], None, [[1, 1, 1], [1, 2, 3], [2, 4, 5]]),
    call_test([[[1, 2, 3], [-2, 4, -5], [1, -1, 1]]], None, [[-2, 4, -5], [1, -1, 1], [1, 2, 3]]),
    call_test([[[5, 8, 9], [6, 4, 3], [2, 1, 4]]], None, [[2, 1, 4], [6, 4, 3], [5, 8, 9]]),
]
# The hidden copy: other id, other wording, other function name, other code.
HIDDEN = ("A table is a list of lines, each line a list of numbers. Return the lines reordered so that a line "
          "whose numbers add up to less comes earlier; keep the original order between equal totals.")
HIDDEN_CODE = ("def order_rows(table):\n    keyed = [(sum(line), i, line) for i, line in enumerate(table)]\n"
               "    keyed.sort()\n    return [line for _, _, line in keyed]\n")
WRONG_COPY_CODE = "def order_rows(table):\n    return sorted(table, key=sum, reverse=True)\n"
# MBPP task 621 (train split): unrelated.
MBPP_621 = "Write a function to increment the numeric values in the given strings by k."
MBPP_621_CODE = ("def increment_numerics(test_list, K):\n"
                 "  return [str(int(ele) + K) if ele.isdigit() else ele for ele in test_list]\n")


def call_problem(synthetic, problem_id, statement, entry_point, reference=None, tests=()):
    return synthetic.make_problem(problem_id, statement, reference) | {
        "kind": "call", "entry_point": entry_point, "public_tests": list(tests[:1]), "private_tests": list(tests)}


@pytest.fixture(scope="module")
def judge():
    with Judge(mode="unsafe_local", workers=2) as instance:  # our own programs only
        yield instance


def _setup(synthetic):
    train = [call_problem(synthetic, "mbpp_train/9001", HIDDEN, "order_rows"),
             call_problem(synthetic, "mbpp_train/9002", HIDDEN, "order_rows"),
             call_problem(synthetic, "mbpp_train/621", MBPP_621, "increment_numerics")]
    evaluation = [call_problem(synthetic, "mbpp/12", MBPP_12, "sort_matrix", MBPP_12_CODE, MBPP_12_TESTS)]
    trajectories = [
        synthetic.make_trajectory("mbpp_train/9001", 0, ["def order_rows(t):\n    return t\n", HIDDEN_CODE],
                                  statement=HIDDEN),
        synthetic.make_trajectory("mbpp_train/9001", 1, [HIDDEN_CODE.replace("keyed", "pairs")], statement=HIDDEN),
        # the same task, but its "passing" solution is wrong on the eval tests: not evidence of a copy
        synthetic.make_trajectory("mbpp_train/9002", 0, [WRONG_COPY_CODE], statement=HIDDEN),
        synthetic.make_trajectory("mbpp_train/621", 0, [MBPP_621_CODE], statement=MBPP_621),
    ]
    return train, evaluation, trajectories


@pytest.mark.parametrize("top_k", [0, 1])
def test_renamed_copy_of_an_eval_problem_is_removed_by_cross_testing(synthetic, judge, top_k):
    train, evaluation, trajectories = _setup(synthetic)
    execution = {"sandbox": "unsafe_local", "time_limit_s": 2.0, "memory_limit_mb": 512}
    params = synthetic.PARAMS | {"cross_test": True, "cross_test_top_k": top_k, "execution": execution}
    kept, removed = select_trajectories(trajectories, train, evaluation, params, judge)
    assert sorted((t["problem_id"], t["sample"]) for t in kept) == [("mbpp_train/621", 0), ("mbpp_train/9002", 0)]
    crossed = [r for r in removed if r["reason"] == "eval_cross_tested"]
    assert sorted((r["problem_id"], r["sample"]) for r in crossed) == [("mbpp_train/9001", 0), ("mbpp_train/9001", 1)]
    assert {r["eval_id"] for r in crossed} == {"mbpp/12"} and {r["tests"] for r in crossed} == {3}
    # what the older checks alone would have let through: the copy is neither similar in wording nor in code
    params_off = params | {"cross_test": False}
    kept_off, removed_off = select_trajectories(trajectories, train, evaluation, params_off, judge)
    assert len(kept_off) == 4 and removed_off == []


def test_cross_testing_without_a_judge_is_a_clear_error(synthetic):
    train, evaluation, trajectories = _setup(synthetic)
    with pytest.raises(ValueError, match="cross_test"):
        select_trajectories(trajectories, train, evaluation, synthetic.PARAMS | {"cross_test": True,
                                                                                  "execution": {}})
