"""Issue #12 items 2-4 through the tables: the budget counts attempts actually spent, one interval for every
metric, and a program is correct when it passes all its tests. Truths are computed here from the records."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mtcodegen.jsonl import write_jsonl
from mtcodegen.metrics.tables import n_at_k_table, pass_at_k_table
from mtcodegen.metrics.trajectories import read_cell

CONFIG = {"pass_at_k": [1], "bootstrap_resamples": 2000, "seed": 0}


def _cell(synth, tmp_path, name, turns, outcomes_by_problem, verdict="all_tests"):
    """outcomes_by_problem: {problem: [trajectory outcomes [(public, private), ...], ...]}"""
    rng = random.Random(0)
    label = synth.label(name, turns=turns)
    records = [synth.trajectory(name, pid, s, outcomes, rng)
               for pid, trajectories in outcomes_by_problem.items() for s, outcomes in enumerate(trajectories)]
    path = tmp_path / f"{name}.jsonl.gz"
    write_jsonl(path, records)
    options = {} if verdict == "all_tests" else {"verdict": verdict}  # the default needs no option
    return read_cell(path, label, **options), records


def test_budget_counts_the_attempts_actually_spent(synth, tmp_path):
    # A 3-turn cell whose 4 trajectories all pass the public tests at turn 1: 4 attempts, not 4 x 3 = 12.
    cell, _ = _cell(synth, tmp_path, "early", 3, {f"p{p}": [[(True, p % 2 == 0)]] * 4 for p in range(3)})
    logs = []
    table = n_at_k_table([cell], CONFIG | {"n_at_k": [[1, 3], [2, 12]]}, log=logs.append)
    assert table["metric"].tolist() == ["1@3"]  # the old check (samples x turns = 12) reported 2@12
    assert table["exhausted_share"].tolist() == [0.0] and table["attempts_min"].tolist() == [4]
    assert any("2@12 left out" in line and "at most 4" in line for line in logs)


def test_exhausted_share_is_the_share_of_problems_whose_pool_ran_out(synth, tmp_path):
    fail3 = [(False, False)] * 3
    problems = {
        "a": [[(True, True)]] * 4,  # 4 attempts
        "b": [fail3] * 4,  # 12 attempts
        "c": [fail3, fail3, [(True, True)], [(False, False), (True, False)]],  # 9 attempts
    }
    cell, records = _cell(synth, tmp_path, "mixed", 3, problems)
    spent = {p: sum(len(r["attempts"]) for r in records if r["problem_id"] == p) for p in problems}
    table = n_at_k_table([cell], CONFIG | {"n_at_k": [[1, 3], [1, 6], [2, 10], [1, 12], [1, 13]]}).set_index("metric")
    for k in (3, 6, 10, 12):
        row = table.loc[[m for m in table.index if m.endswith(f"@{k}")][0]]
        assert row["exhausted_share"] == pytest.approx(np.mean([spent[p] < k for p in problems]))
    assert "1@13" not in table.index  # every pool runs out at 13
    # The truth at 1@6 over every order of each problem (a loop written here): a is always solved, b never.
    truth = np.mean([_every_order(problems[p], 1, 6) for p in problems])
    assert table.loc["1@6", "value"] == pytest.approx(truth, abs=3 * table.loc["1@6", "mc_se"] + 1e-12)
    assert 0 < table.loc["1@6", "mc_se"] < 0.002 and table.loc["1@6", "exact_share"] == pytest.approx(2 / 3)


def _every_order(pool, n, k):
    from itertools import permutations

    outcomes = []
    for order in permutations(range(len(pool))):
        spent, candidates = 0, []
        for s in order:
            if spent >= k:
                break
            used = min(len(pool[s]), k - spent)
            spent += used
            candidates.append(pool[s][used - 1])
        ranked = [c for c in candidates if c[0]] + [c for c in candidates if not c[0]]
        outcomes.append(any(public and private for public, private in ranked[:n]))
    return np.mean(outcomes)


def test_one_interval_for_every_metric(synth, tmp_path):
    # Single turn: 1@1 and pass@1 are the same quantity; they get the same value and the same interval, the
    # problem bootstrap, whose width is close to the normal approximation 2 * 1.96 * sd / sqrt(P).
    rng = random.Random(3)
    rates = [rng.random() ** 2 for _ in range(60)]
    problems = {f"p{p}": [[(ok, ok)] for ok in (rng.random() < r for _ in range(20))] for p, r in enumerate(rates)}
    cell, records = _cell(synth, tmp_path, "single", 1, problems)
    config = CONFIG | {"n_at_k": [[1, 1]], "bootstrap_resamples": 10000}
    passes = pass_at_k_table([cell], config).iloc[0]
    n_at_k = n_at_k_table([cell], config).iloc[0]
    assert n_at_k[["value", "ci_low", "ci_high"]].tolist() == pytest.approx(passes[["value", "ci_low", "ci_high"]]
                                                                           .tolist(), abs=1e-12)
    per_problem = np.array([np.mean([r["final"]["private_pass"] for r in records if r["problem_id"] == p])
                            for p in problems])
    assert passes["value"] == pytest.approx(per_problem.mean())
    normal = 2 * 1.96 * per_problem.std() / np.sqrt(len(per_problem))
    assert passes["ci_high"] - passes["ci_low"] == pytest.approx(normal, rel=0.1)
    assert n_at_k["ci_high"] - n_at_k["ci_low"] == pytest.approx(normal, rel=0.1)


@pytest.mark.parametrize("verdict,solved", [("all_tests", 0.0), ("private_tests", 1.0)])
def test_a_program_failing_the_public_tests_is_not_correct_by_default(synth, tmp_path, verdict, solved):
    # Every trajectory fails the public tests at each of its 3 turns but its last program passes the private
    # tests: the paper counts a program correct only when it passes all tests.
    problems = {"p": [[(False, False), (False, False), (False, True)]] * 3}
    cell, _ = _cell(synth, tmp_path, f"v_{verdict}", 3, problems, verdict)
    assert pass_at_k_table([cell], CONFIG)["value"].tolist() == [solved]
    assert n_at_k_table([cell], CONFIG | {"n_at_k": [[1, 3]]})["value"].tolist() == [solved]


def test_an_unknown_verdict_is_refused(synth, tmp_path):
    with pytest.raises(ValueError, match="'correct' must be one of all_tests, private_tests, got 'public'"):
        _cell(synth, tmp_path, "bad", 1, {"p": [[(True, True)]]}, "public")
