"""Filtering of failed trajectories, MinHash near-copy dedup and the per-problem cap."""

from __future__ import annotations

import pytest

from mtcodegen.rft.build import select_trajectories
from mtcodegen.rft.dedup import NearDuplicateIndex
from mtcodegen.rft.selection import rejection_reason

SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
SUM_RESPACED = "a,b = map(int,input().split())\n\nprint(a+b)"
SUM_RENAMED_TAIL = "a, b = map(int, input().split())\nresult = a + b\nprint(result)\n"
SORTER = (
    "n = int(input())\nvalues = sorted(map(int, input().split()), reverse=True)\n"
    "for index, value in enumerate(values):\n    if index % 2 == 0:\n        print(value)\n"
)


def test_failed_trajectories_are_rejected_with_their_reason(synthetic):
    assert rejection_reason(synthetic.make_trajectory("p/1", 0, [SUM])) is None
    assert rejection_reason(synthetic.make_trajectory("p/1", 0, [SUM], private_pass=False)) == "fails_private_tests"
    assert rejection_reason(synthetic.make_trajectory("p/1", 0, [SUM], public_pass=False)) == "fails_public_tests"
    errored = synthetic.make_trajectory("p/1", 0, [SUM]) | {"finish": "error"}
    assert rejection_reason(errored) == "generation_error"


def test_generate_output_without_final_is_a_clear_error(synthetic):
    trajectory = synthetic.make_trajectory("p/1", 0, [SUM])
    del trajectory["final"]
    with pytest.raises(ValueError, match="execute stage"):
        rejection_reason(trajectory)


def test_near_copies_collapse_and_distinct_programs_stay():
    index = NearDuplicateIndex(0.8)
    index.add("a", SUM)
    assert index.find(SUM_RESPACED)[0] == "a"  # same tokens, different spacing: exact after normalization
    assert index.find(SORTER) is None
    index.add("b", SORTER)
    assert index.find(SORTER.replace("values", "values")) == ("b", 1.0)


def test_select_dedups_and_caps_within_each_problem_and_turn_class(synthetic):
    trajectories = [
        synthetic.make_trajectory("p/1", 0, [SUM]),
        synthetic.make_trajectory("p/1", 1, [SORTER, SUM_RESPACED]),  # same final code as sample 0, other class
        synthetic.make_trajectory("p/1", 2, [SUM, SUM_RESPACED]),  # near copy of sample 1, same class
        synthetic.make_trajectory("p/1", 3, [SUM_RENAMED_TAIL]),
        synthetic.make_trajectory("p/1", 4, [SORTER]),  # distinct, single-turn, over the cap of 2
        synthetic.make_trajectory("p/1", 5, [SUM], private_pass=False),
        synthetic.make_trajectory("p/1", 6, [SUM, SORTER]),  # distinct multi-turn
        synthetic.make_trajectory("p/1", 7, [SUM, SORTER, SUM_RENAMED_TAIL]),  # 3 turns: multi-turn, over cap
        synthetic.make_trajectory("p/2", 0, [SUM]),  # same code, other problem: dedup is per problem
    ]
    problems = [synthetic.make_problem("p/1", "Add two numbers."), synthetic.make_problem("p/2", "Sum a and b.")]
    kept, removed = select_trajectories(trajectories, problems, [], synthetic.PARAMS | {"max_per_problem": 2})
    kept_keys = [(t["problem_id"], t["sample"]) for t in kept]
    reasons = {(r["problem_id"], r["sample"]): r["reason"] for r in removed}
    assert kept_keys == [("p/1", 0), ("p/1", 1), ("p/1", 3), ("p/1", 6), ("p/2", 0)]
    assert reasons == {("p/1", 2): "near_duplicate", ("p/1", 4): "over_max_per_problem",
                       ("p/1", 5): "fails_private_tests", ("p/1", 7): "over_max_per_problem"}
    assert len(kept) + len(removed) == len(trajectories)  # nothing disappears unrecorded


def test_only_the_configured_turn_classes_are_trained_on_and_both_are_reported(synthetic):
    from mtcodegen.rft.build import class_stats

    trajectories = [
        synthetic.make_trajectory("p/1", 0, [SUM]),
        synthetic.make_trajectory("p/1", 1, [SORTER, SUM]),
        synthetic.make_trajectory("p/1", 2, [SORTER, SUM_RESPACED]),  # a multi-turn near copy of sample 1
        synthetic.make_trajectory("p/1", 3, [SORTER], private_pass=False),
    ]
    problems = [synthetic.make_problem("p/1", "Add two numbers.")]
    kept, removed = select_trajectories(trajectories, problems, [],
                                        synthetic.PARAMS | {"train_turn_classes": ["multi_turn"]})
    assert [(t["sample"], len(t["attempts"])) for t in kept] == [(1, 2)]
    reasons = {r["sample"]: r["reason"] for r in removed}
    assert reasons == {0: "turn_class_not_trained", 2: "near_duplicate", 3: "fails_private_tests"}
    assert class_stats(trajectories, kept, removed) == {
        "single_turn": {"input": 2, "after_dedup": 1, "trained": 0,
                        "removed": {"fails_private_tests": 1, "turn_class_not_trained": 1}},
        "multi_turn": {"input": 2, "after_dedup": 1, "trained": 1, "removed": {"near_duplicate": 1}},
    }
    with pytest.raises(ValueError, match="train_turn_classes"):
        select_trajectories(trajectories, problems, [], synthetic.PARAMS | {"train_turn_classes": ["two_turn"]})
