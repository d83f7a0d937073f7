"""The estimators against hand-computed cases and brute-force enumeration of every draw."""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

from mtcodegen.metrics.estimators import bootstrap_mean, n_at_k_outcomes, pass_at_k, pass_n_at_k


def brute_pass_at_k(correct: list[bool], k: int) -> float:
    """Fraction of the k-subsets of the samples that contain a correct one."""
    subsets = list(itertools.combinations(range(len(correct)), k))
    return sum(any(correct[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize("n", range(1, 9))
def test_pass_at_k_equals_enumeration_of_all_subsets(n):
    for c in range(n + 1):
        correct = [True] * c + [False] * (n - c)
        for k in range(1, n + 1):
            got = pass_at_k(np.array([n]), np.array([c]), k)[0]
            assert got == pytest.approx(brute_pass_at_k(correct, k), abs=1e-12)


def test_pass_at_k_hand_computed_and_vectorized_over_problems():
    # n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10 = 0.7; n=4, c=0: 0; n=3, c=3: 1
    got = pass_at_k(np.array([5, 4, 3]), np.array([2, 0, 3]), 2)
    np.testing.assert_allclose(got, [0.7, 0.0, 1.0], atol=1e-15)


def test_pass_at_k_is_stable_for_large_n():
    n, c, k = 2000, 3, 100
    exact = 1 - comb(n - c, k) / comb(n, k)  # Python integers: exact
    assert pass_at_k(np.array([n]), np.array([c]), k)[0] == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize("bad", [dict(n=[3], c=[4], k=1), dict(n=[3], c=[1], k=4), dict(n=[3], c=[1], k=0)])
def test_pass_at_k_rejects_impossible_inputs(bad):
    with pytest.raises(ValueError):
        pass_at_k(np.array(bad["n"]), np.array(bad["c"]), bad["k"])


# pass n@k without replacement: every ordering of small pools, against a plain loop, in test_n_at_k_exact.py.


def test_n_at_k_hand_computed_single_turn():
    # Two samples: one passes public but fails private, one fails public but passes private (graded on the
    # private tests alone here: the 4th argument is what counts as correct).
    cost = np.array([[1, 1]])
    public = np.array([[[True], [False]]])
    private = np.array([[[False], [True]]])
    # 1@2: both samples are candidates; the public passer ranks first and is the one submitted: never solved.
    _, _, _, per_problem = pass_n_at_k(np.array([2]), cost, public, private, 1, 2, 100, np.random.default_rng(0))
    assert per_problem[0] == 0.0
    # 2@2: both are submitted: always solved (drawn with replacement it was 3/4).
    _, _, _, per_problem = pass_n_at_k(np.array([2]), cost, public, private, 2, 2, 100, np.random.default_rng(0))
    assert per_problem[0] == 1.0
    # 1@1: a random one of the two: 1/2.
    _, _, _, per_problem = pass_n_at_k(np.array([2]), cost, public, private, 1, 1, 100, np.random.default_rng(0))
    assert per_problem[0] == pytest.approx(0.5, abs=1e-12)


def test_early_stop_spends_only_the_attempts_used():
    # Trajectory 0 passes public at turn 1 (cost 1); with k=2 the next trajectory in the order follows it.
    cost = np.array([[1, 3]])
    public = np.array([[[True, True, True], [False, False, False]]])
    private = np.array([[[False, False, False], [False, True, True]]])
    orders = np.array([[[0, 1]], [[1, 0]]])  # the two orders of the two trajectories
    # n=2, k=2: order (0,1): traj 1 cut after 1 attempt (private False) -> unsolved.
    # order (1,0): traj 1 spends both attempts, its attempt 2 passes private -> solved.
    got = n_at_k_outcomes(orders, np.array([2]), cost, public, private, 2, 2)[:, 0]
    assert got.tolist() == [False, True]


def test_bootstrap_mean_interval_contains_the_mean_and_is_seeded():
    values = np.linspace(0, 1, 50)
    a = bootstrap_mean(values, 2000, np.random.default_rng(3))
    b = bootstrap_mean(values, 2000, np.random.default_rng(3))
    assert a == b and a[1] < a[0] < a[2] and a[0] == pytest.approx(0.5)
    assert np.isnan(bootstrap_mean(values, 0, np.random.default_rng(0))[1])
