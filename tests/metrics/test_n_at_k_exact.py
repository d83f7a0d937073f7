"""pass n@k without replacement (issue #12, items 1-4) against truths this file computes itself.

The truth is the exact expectation over every ordering of a problem's trajectories (itertools.permutations,
a plain loop written here), or the unbiased pass@k closed form with math.comb; never the code under test.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from mtcodegen.metrics.estimators import pass_n_at_k

# A trajectory is a list of attempts, each (public pass, private pass).


def brute_outcome(order, pool, n, k, all_tests=True):
    """One evaluation in the given order: spend attempts until k are spent or the pool runs out; each
    trajectory offers its last attempt inside the budget; public passers first (in order), then the others;
    the first n are submitted; solved if one of them is correct."""
    spent, candidates = 0, []
    for s in order:
        if spent >= k:
            break
        used = min(len(pool[s]), k - spent)
        spent += used
        public, private = pool[s][used - 1]
        candidates.append((public, (public and private) if all_tests else private))
    ranked = [c for c in candidates if c[0]] + [c for c in candidates if not c[0]]
    return any(correct for _, correct in ranked[:n])


def exact_expectation(pool, n, k, all_tests=True) -> Fraction:
    orders = list(itertools.permutations(range(len(pool))))
    return Fraction(sum(brute_outcome(o, pool, n, k, all_tests) for o in orders), len(orders))


def arrays(pools, turns):
    """Problems (lists of trajectories) -> the estimator's padded arrays."""
    n_max = max(len(p) for p in pools)
    samples = np.array([len(p) for p in pools])
    cost = np.ones((len(pools), n_max), dtype=np.int64)
    public = np.zeros((len(pools), n_max, turns), dtype=bool)
    private = np.zeros((len(pools), n_max, turns), dtype=bool)
    for i, pool in enumerate(pools):
        for s, attempts in enumerate(pool):
            cost[i, s] = len(attempts)
            padded = attempts + [attempts[-1]] * (turns - len(attempts))
            public[i, s] = [a[0] for a in padded]
            private[i, s] = [a[1] for a in padded]
    return samples, cost, public, private


def estimate(pools, turns, n, k, all_tests=True, se=0.002):
    from mtcodegen.metrics.estimators import n_at_k_per_problem

    samples, cost, public, private = arrays(pools, turns)
    correct = public & private if all_tests else private
    result = n_at_k_per_problem(samples, cost, public, correct, [(n, k)], np.random.default_rng(5),
                                se_target=se, max_permutations=200_000)
    return result[(n, k)]


# --- the issue's reproductions (these ran on the old estimator: 0.749, 0.697, 0.40) -------------------------

def _single(N, c):
    cost = np.ones((1, N), dtype=np.int64)
    public = np.zeros((1, N, 1), dtype=bool)
    public[0, :c] = True
    return np.array([N]), cost, public, public.copy()


@pytest.mark.parametrize("N,c,n,k,truth", [(2, 1, 2, 2, 1.0), (3, 1, 3, 3, 1.0), (200, 1, 100, 100, 0.5),
                                           (200, 1, 1, 1, 1 / 200)])
def test_issue_reproductions_single_turn(N, c, n, k, truth):
    mean = pass_n_at_k(*_single(N, c), n, k, 2000, np.random.default_rng(0))[0]
    assert mean == pytest.approx(truth, abs=1e-9)


def test_issue_reproduction_three_turns():
    # 3 turns, N = 4: correct at turn 1; correct at turn 3; public pass but wrong at turn 1; fails all 3 turns.
    # 2@6: 22 of the 24 orders solve it (11/12 = 0.917; drawn with replacement it was 200/256 = 0.781).
    pool = [[(True, True)], [(False, False), (False, False), (True, True)], [(True, False)], [(False, False)] * 3]
    assert exact_expectation(pool, 2, 6) == Fraction(11, 12)
    samples, cost, public, private = arrays([pool], 3)
    mean = pass_n_at_k(samples, cost, public, public & private, 2, 6, 200, np.random.default_rng(0))[0]
    assert mean == pytest.approx(11 / 12, abs=0.006)  # Monte Carlo to a standard error of 0.001


# --- single turn: every pass/fail pattern, every ordering, exact to rounding ---------------------------------

TYPES_1 = [[(pub, priv)] for pub in (False, True) for priv in (False, True)]


@pytest.mark.parametrize("all_tests", [True, False])
@pytest.mark.parametrize("N", range(1, 7))
def test_single_turn_equals_enumeration_of_every_ordering(N, all_tests):
    pools = [list(p) for p in itertools.combinations_with_replacement(TYPES_1, N)]
    pairs = [(n, k) for k in range(1, N + 2) for n in range(1, k + 1)]  # k = N + 1: the pool runs out
    if N == 6:
        pairs = [(1, 1), (1, 3), (2, 3), (3, 5), (2, 6), (6, 6), (3, 7)]
    for n, k in pairs:
        got = estimate(pools, 1, n, k, all_tests)
        assert got.exact.all() and got.permutations == 0
        want = [float(exact_expectation(p, n, k, all_tests)) for p in pools]
        np.testing.assert_allclose(got.values, want, atol=1e-12, err_msg=f"{n}@{k}")
        assert got.exhausted.tolist() == [k > N] * len(pools)


@pytest.mark.parametrize("N", [1, 2, 5, 20, 200])
def test_single_turn_n_equals_k_is_the_unbiased_pass_at_k(N):
    rng = random.Random(N)
    for _ in range(5):
        c = rng.randint(0, N)
        pool = [[(True, True)]] * c + [[(rng.random() < 0.5, False)] for _ in range(N - c)]
        for k in sorted({1, min(2, N), N // 2 or 1, N}):
            truth = 1 - comb(N - c, k) / comb(N, k)  # Chen et al. (2021)
            got = estimate([pool], 1, k, k)
            assert got.values[0] == pytest.approx(truth, abs=1e-10)


def test_single_turn_ties_among_public_passers_are_broken_at_random():
    # 1@3 from 2 public passers (one correct) and 1 public failure: whichever passer comes first is submitted.
    pool = [[(True, True)], [(True, False)], [(False, False)]]
    assert estimate([pool], 1, 1, 3).values[0] == pytest.approx(0.5, abs=1e-12)
    assert float(exact_expectation(pool, 1, 3)) == 0.5


# --- multi turn ----------------------------------------------------------------------------------------------

def protocol_trajectories(turns):
    """Every trajectory the generate loop can produce: it stops at the first public pass."""
    out = []
    for cost in range(1, turns + 1):
        for privs in itertools.product((False, True), repeat=cost):
            last_pub = (True,) if cost < turns else (False, True)
            for pub in last_pub:
                out.append([(False, p) for p in privs[:-1]] + [(pub, privs[-1])])
    return out


def generic_trajectory(rng, turns):
    cost = rng.randint(1, turns)
    return [(rng.random() < 0.5, rng.random() < 0.5) for _ in range(cost)]


def test_every_ordering_evaluated_by_the_vectorized_rule_matches_the_loop():
    from mtcodegen.metrics.estimators import n_at_k_outcomes

    rng = random.Random(0)
    for N in range(1, 7):
        for _ in range(6):
            pools = [[generic_trajectory(rng, 3) for _ in range(N)] for _ in range(3)]
            samples, cost, public, private = arrays(pools, 3)
            for all_tests in (True, False):
                correct = public & private if all_tests else private
                orders = np.array(list(itertools.permutations(range(N))))
                for n, k in [(1, 1), (1, 3), (2, 4), (3, 7), (2, 2 * N + 5)]:
                    if n > k:
                        continue
                    got = n_at_k_outcomes(np.broadcast_to(orders[:, None, :], (len(orders), 3, N)), samples,
                                          cost, public, correct, n, k)
                    want = [[brute_outcome(o, pool, n, k, all_tests) for pool in pools] for o in orders]
                    assert got.tolist() == want, (N, n, k, all_tests)


@pytest.mark.parametrize("N", [1, 2, 3])
def test_multi_turn_mean_equals_enumeration_for_every_pattern(N):
    types = protocol_trajectories(3)  # 22 kinds of trajectory
    pools = [list(p) for p in itertools.combinations_with_replacement(types, N)]
    for n, k in [(1, 1), (1, 3), (2, 3), (2, 6), (1, 10)]:
        got = estimate(pools, 3, n, k, se=0.001)
        want = np.array([float(exact_expectation(p, n, k)) for p in pools])
        # Monte Carlo problems: within 5 standard errors of their mean; closed-form ones exact.
        assert abs(got.values.mean() - want.mean()) <= 5 * got.mc_se + 1e-12, (n, k)
        np.testing.assert_allclose(got.values[got.exact], want[got.exact], atol=1e-12)
        assert got.exhausted.tolist() == [sum(len(t) for t in p) < k for p in pools]


@pytest.mark.parametrize("N", [4, 5, 6])
def test_multi_turn_generic_patterns_within_monte_carlo_error(N):
    rng = random.Random(N)
    pools = [[generic_trajectory(rng, 3) for _ in range(N)] for _ in range(12)]
    for all_tests in (True, False):
        for n, k in [(1, 3), (2, 6), (3, 8)]:
            got = estimate(pools, 3, n, k, all_tests, se=0.002)
            want = np.array([float(exact_expectation(p, n, k, all_tests)) for p in pools])
            assert abs(got.values.mean() - want.mean()) <= 5 * got.mc_se + 1e-12
            # Per problem too (each problem's own error is larger than the mean's).
            assert np.all(np.abs(got.values - want) <= 0.05)


def test_issue_three_turn_budget_counts_attempts_and_uses_each_trajectory_once():
    # Two 3-turn trajectories that fail, one that passes at turn 2: 1@6 always reaches it (2+3 < 6 ... at most
    # 3+3 attempts before it, and the pool is then used whole), so the truth is 1; with replacement it was not.
    pool = [[(False, False)] * 3, [(False, False)] * 3, [(False, False), (True, True)]]
    assert float(exact_expectation(pool, 1, 8)) == 1.0
    assert estimate([pool], 3, 1, 8).values[0] == pytest.approx(1.0, abs=1e-12)
    samples, cost, public, private = arrays([pool], 3)
    assert pass_n_at_k(samples, cost, public, public & private, 1, 8, 200, np.random.default_rng(0))[0] == 1.0


def test_problems_with_different_numbers_of_trajectories_in_one_cell():
    # Padding (a problem with fewer trajectories than the cell's largest) is never drawn, in either path.
    rng = random.Random(11)
    multi = [[generic_trajectory(rng, 3) for _ in range(N)] for N in (2, 5, 3, 6, 1, 4)]
    single = [[[(rng.random() < 0.5, rng.random() < 0.5)] for _ in range(N)] for N in (6, 2, 4, 1, 3)]
    for pools in (multi, single, multi + single):
        for n, k in [(1, 2), (2, 5), (3, 9)]:
            got = estimate(pools, 3, n, k, se=0.001)
            want = np.array([float(exact_expectation(p, n, k)) for p in pools])
            assert abs(got.values.mean() - want.mean()) <= 5 * got.mc_se + 1e-12, (n, k)
            np.testing.assert_allclose(got.values[got.exact], want[got.exact], atol=1e-12)
            assert got.exhausted.tolist() == [sum(len(t) for t in p) < k for p in pools]
