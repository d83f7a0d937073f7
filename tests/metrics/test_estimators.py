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


def brute_n_at_k_outcome(sequence, cost, public, private, n, k):
    """One budget, written as a plain loop: the reference the vectorized version must match exactly."""
    spent, candidates = 0, []
    for position, s in enumerate(sequence):
        if spent >= k:
            break
        used = min(cost[s], k - spent)
        spent += used
        candidates.append((not public[s][used - 1], position, private[s][used - 1]))
    return any(priv for _, _, priv in sorted(candidates)[:n])


def _random_problem(rng, samples, turns):
    cost = rng.integers(1, turns + 1, size=samples)
    public = np.zeros((samples, turns), dtype=bool)
    private = np.zeros((samples, turns), dtype=bool)
    for s in range(samples):
        # Only a trajectory's last attempt may pass the public tests (it stops there), except at max turns.
        public[s, cost[s] - 1] = cost[s] < turns or rng.random() < 0.5
        private[s, : cost[s]] = rng.random(cost[s]) < 0.5
        public[s, cost[s]:] = public[s, cost[s] - 1]
        private[s, cost[s]:] = private[s, cost[s] - 1]
    return cost, public, private


@pytest.mark.parametrize("samples,turns,n,k", [(3, 1, 1, 2), (3, 1, 2, 3), (2, 3, 1, 3), (3, 3, 2, 4), (4, 2, 1, 3)])
def test_n_at_k_matches_brute_force_on_every_draw_sequence(samples, turns, n, k):
    rng = np.random.default_rng(samples * 100 + turns * 10 + k)
    for _ in range(5):
        cost, public, private = _random_problem(rng, samples, turns)
        sequences = np.array(list(itertools.product(range(samples), repeat=k)))  # every draw order
        got = n_at_k_outcomes(sequences[:, None, :], cost[None], public[None], private[None], n, k)[:, 0]
        want = [brute_n_at_k_outcome(seq, cost, public, private, n, k) for seq in sequences]
        assert got.tolist() == want
        # The bootstrap mean converges on the exact expectation over all equally likely draw sequences.
        exact = float(np.mean(want))
        mean, low, high, _ = pass_n_at_k(np.array([samples]), cost[None], public[None], private[None], n, k,
                                         20000, np.random.default_rng(1))
        assert mean == pytest.approx(exact, abs=4 * np.sqrt(exact * (1 - exact) / 20000) + 1e-9)


def test_n_at_k_hand_computed_single_turn():
    # Two samples: one passes public but fails private, one fails public but passes private.
    cost = np.array([[1, 1]])
    public = np.array([[[True], [False]]])
    private = np.array([[[False], [True]]])
    # 1@2: the public passer is submitted whenever it was drawn (prob 1 - 1/4); otherwise the other one.
    _, _, _, per_problem = pass_n_at_k(np.array([2]), cost, public, private, 1, 2, 40000, np.random.default_rng(0))
    assert per_problem[0] == pytest.approx(0.25, abs=0.01)
    # 2@2: both drawn candidates are submitted: solved unless sample 0 was drawn twice (1/4).
    _, _, _, per_problem = pass_n_at_k(np.array([2]), cost, public, private, 2, 2, 40000, np.random.default_rng(0))
    assert per_problem[0] == pytest.approx(0.75, abs=0.01)


def test_early_stop_spends_only_the_attempts_used():
    # Trajectory 0 passes public at turn 1 (cost 1); with k=2 a second trajectory is drawn after it.
    cost = np.array([[1, 3]])
    public = np.array([[[True, True, True], [False, False, False]]])
    private = np.array([[[False, False, False], [False, True, True]]])
    draws = np.array([[[0, 1]], [[1, 0]]])  # draw orders (0 then 1) and (1 then 0)
    # n=2, k=2: order (0,1): traj 1 cut after 1 attempt (private False) -> unsolved.
    # order (1,0): traj 1 spends both attempts, its attempt 2 passes private -> solved.
    assert n_at_k_outcomes(draws, cost, public, private, 2, 2)[:, 0].tolist() == [False, True]


def test_bootstrap_mean_interval_contains_the_mean_and_is_seeded():
    values = np.linspace(0, 1, 50)
    a = bootstrap_mean(values, 2000, np.random.default_rng(3))
    b = bootstrap_mean(values, 2000, np.random.default_rng(3))
    assert a == b and a[1] < a[0] < a[2] and a[0] == pytest.approx(0.5)
    assert np.isnan(bootstrap_mean(values, 0, np.random.default_rng(0))[1])
