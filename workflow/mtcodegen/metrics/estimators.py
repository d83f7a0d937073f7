"""The estimators, vectorized over problems. Definitions (formulas, the exhaustion rule, the interval) are in
docs/metrics.md.

pass@k (Chen et al., 2021): the unbiased estimator 1 - C(n-c, k) / C(n, k), in the product form
1 - prod_{i=n-c+1}^{n} (1 - k/i), which never forms a binomial coefficient and so stays exact in floating point
for n in the thousands.

pass n@k (AlphaCode; multi-turn as in arXiv 2410.08105), per problem: the expectation over a uniformly random
order (a permutation, i.e. *without* replacement) of the problem's trajectories of one evaluation: attempts are
spent in that order until k are spent or the pool is exhausted (then the whole pool is used); each trajectory
reached offers one candidate (its last attempt inside the budget); candidates that pass the public tests come
first, in that order, then the others, in that order; the first n are submitted; solved if one is correct.

When every trajectory of a problem used one attempt (every single-turn cell) the expectation has a closed form
(`_single_turn_exact`); otherwise it is estimated from random permutations, added in blocks until the Monte
Carlo standard error of the cell's mean is below a target (`n_at_k_per_problem`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Upper bound on elements of one (permutations x problems x samples) block, to keep memory near 100 MB.
_BLOCK_ELEMENTS = 4_000_000


def pass_at_k(n: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """Per-problem unbiased pass@k for ``n`` samples of which ``c`` are correct (arrays of equal shape)."""
    n = np.asarray(n, dtype=np.int64)
    c = np.asarray(c, dtype=np.int64)
    if n.shape != c.shape:
        raise ValueError(f"pass@k: n and c differ in shape ({n.shape} vs {c.shape})")
    if k < 1:
        raise ValueError(f"pass@k: k must be at least 1, got {k}")
    if np.any(c < 0) or np.any(c > n):
        raise ValueError("pass@k: every count of correct samples must lie in 0..n")
    if np.any(n < k):
        raise ValueError(f"pass@k: k={k} exceeds the number of samples of some problem (min n={n.min()})")
    # Factors i = n-c+1 .. n, padded with i = inf (factor 1) beyond each problem's c.
    width = int(c.max()) if c.size else 0
    j = np.arange(width)
    i = (n - c + 1)[..., None] + j
    factors = np.where(j < c[..., None], 1.0 - k / i, 1.0)
    return 1.0 - np.prod(factors, axis=-1)


# --- the interval: one kind for every metric ----------------------------------------------------------------

def bootstrap_counts(problems: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, problems) how often each problem is drawn in each resample of the problems (with
    replacement), as float32 (exact for these small integers; half the memory traffic of the products). One
    matrix serves every metric of a set of problems, so all of them get the same resamples."""
    counts = np.empty((resamples, problems), dtype=np.float32)
    step = max(1, _BLOCK_ELEMENTS // max(1, problems))
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        small = np.int16 if problems < 2**15 else np.int64  # fewer random bits to draw
        idx = rng.integers(0, problems, size=(stop - start, problems), dtype=small).astype(np.int64)
        idx += (np.arange(stop - start, dtype=np.int64) * problems)[:, None]
        counts[start:stop] = np.bincount(idx.ravel(), minlength=(stop - start) * problems).reshape(-1, problems)
    return counts


def bootstrap_means(values: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means of the per-problem ``values`` (P, M) and their 95% percentile intervals over the problem resamples
    ``counts`` (from `bootstrap_counts`; None or 0 resamples: no interval, NaN)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    if values.shape[0] == 0:
        nan = np.full(values.shape[1], np.nan)
        return nan, nan, nan
    mean = values.mean(axis=0)
    if counts is None or counts.shape[0] == 0:
        nan = np.full(values.shape[1], np.nan)
        return mean, nan, nan.copy()
    if counts.shape[1] != values.shape[0]:
        raise ValueError(f"bootstrap: {counts.shape[1]} problems resampled but {values.shape[0]} values given")
    # A resample's mean is its counts-weighted mean; float32 products (error ~1e-6, far below the 4 decimals
    # reported), every metric of the set in one product.
    means = counts @ values.astype(np.float32) / np.float32(values.shape[0])
    low, high = np.percentile(means, [2.5, 97.5], axis=0)
    return mean, low.astype(float), high.astype(float)


def bootstrap_mean(values: np.ndarray, resamples: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean of per-problem ``values`` and a 95% percentile interval from resampling problems."""
    values = np.asarray(values, dtype=float)
    counts = bootstrap_counts(values.size, resamples, rng) if resamples and values.size else None
    mean, low, high = bootstrap_means(values, counts)
    return float(mean[0]), float(low[0]), float(high[0])


# --- pass n@k ------------------------------------------------------------------------------------------------

@dataclass
class NAtK:
    """One (n, k) of a cell, per problem."""

    values: np.ndarray  # (P,) expected solve rate of one evaluation at this budget
    exact: np.ndarray  # (P,) bool: computed in closed form (no Monte Carlo error)
    exhausted: np.ndarray  # (P,) bool: the problem's trajectories hold fewer than k attempts (pool used whole)
    permutations: int  # random orders per Monte Carlo problem (0 when every problem is exact)
    mc_se: float  # Monte Carlo standard error of the mean over all problems (0 when exact)


def _log_factorials(n_max: int) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_max + 1, dtype=float)))])


def _choose_ratio(lf: np.ndarray, top: np.ndarray, bottom: np.ndarray, r: np.ndarray) -> np.ndarray:
    """C(top, r) / C(bottom, r) for 0 <= r <= bottom and top <= bottom: the chance that r items drawn without
    replacement from ``bottom`` all fall in a subset of size ``top``. 0 where r > top."""
    ok = (r <= top) & (r >= 0) & (r <= bottom)
    r = np.where(ok, r, 0)
    top_r = np.maximum(top - r, 0)
    value = np.exp(lf[top] - lf[top_r] + lf[bottom - r] - lf[bottom])
    return np.where(ok, value, 0.0)


def _single_turn_exact(public: np.ndarray, correct: np.ndarray, samples: np.ndarray, n: int, k: int) -> np.ndarray:
    """Closed-form pass n@k when every trajectory costs one attempt. ``public``, ``correct`` (P, N): the flags
    of each sample's only attempt (padding beyond ``samples`` ignored).

    The first k' = min(k, N) samples of a random order are a uniformly random k'-subset; let x of them pass
    the public tests (hypergeometric). Ties are broken by the order, so the submitted public passers are a
    uniformly random min(n, x)-subset of the problem's public passers, and the r = min(n - x, k' - x) others
    submitted (when x < n) a uniformly random r-subset of its public failures, independently given x. So
        P(fail) = sum_x H(x) * [C(b, min(n,x)) / C(P, min(n,x))] * [C(c, r) / C(Q, r)]   (second factor if x < n)
    with P public passers of which b incorrect, Q public failures of which c incorrect.
    """
    real = np.arange(public.shape[1])[None, :] < samples[:, None]
    n_all = samples.astype(np.int64)
    pub = (public & real).sum(1)
    pub_bad = (public & ~correct & real).sum(1)
    non = n_all - pub
    non_bad = (~public & ~correct & real).sum(1)
    k_eff = np.minimum(k, n_all)
    lf = _log_factorials(int(n_all.max()))
    x = np.arange(int(k_eff.max()) + 1)[None, :]
    col = lambda a: a[:, None]  # noqa: E731
    support = (x <= np.minimum(col(pub), col(k_eff))) & (col(k_eff) - x <= col(non))
    xs = np.where(support, x, 0)
    # H(x) = C(P, x) C(Q, k'-x) / C(N, k'), in logs.
    log_h = (lf[col(pub)] - lf[xs] - lf[np.maximum(col(pub) - xs, 0)]
             + lf[col(non)] - lf[np.maximum(col(k_eff) - xs, 0)] - lf[np.maximum(col(non) - col(k_eff) + xs, 0)]
             - (lf[col(n_all)] - lf[col(k_eff)] - lf[col(n_all) - col(k_eff)]))
    h = np.where(support, np.exp(log_h), 0.0)
    chosen = np.minimum(n, xs)
    fail_public = _choose_ratio(lf, np.broadcast_to(col(pub_bad), xs.shape), np.broadcast_to(col(pub), xs.shape),
                                chosen)
    rest = np.where(xs < n, np.minimum(n - xs, col(k_eff) - xs), 0)
    fail_rest = _choose_ratio(lf, np.broadcast_to(col(non_bad), xs.shape), np.broadcast_to(col(non), xs.shape),
                              rest)
    return 1.0 - np.clip((h * fail_public * fail_rest).sum(1), 0.0, 1.0)


def _encode(samples, cost, public, correct) -> tuple[np.ndarray, int]:
    """Each trajectory as one unsigned integer, so that an order is applied with a single gather: its cost
    (0 for padding: padding is invisible wherever an order puts it), its final attempt's public and correct
    flags, and every attempt's two flags (for the trajectory the budget cuts). Returns (codes (P, N), cost bits)."""
    n_problems, n_samples = cost.shape
    turns = public.shape[2]
    cost_bits = max(1, int(turns).bit_length())
    bits = cost_bits + 2 + 2 * turns
    if bits > 64:
        raise ValueError(f"pass n@k: {turns} turns per trajectory is more than the Monte Carlo path encodes (29)")
    dtype = np.uint16 if bits <= 16 else np.uint32 if bits <= 32 else np.uint64
    real = np.arange(n_samples)[None, :] < samples[:, None]
    used = np.clip(cost, 1, turns)
    codes = np.where(real, used, 0).astype(np.uint64)
    last = (used - 1)[..., None]
    codes |= (np.take_along_axis(public, last, 2)[..., 0] & real).astype(np.uint64) << cost_bits
    codes |= (np.take_along_axis(correct, last, 2)[..., 0] & real).astype(np.uint64) << (cost_bits + 1)
    for j in range(turns):
        codes |= public[:, :, j].astype(np.uint64) << (cost_bits + 2 + 2 * j)
        codes |= correct[:, :, j].astype(np.uint64) << (cost_bits + 3 + 2 * j)
    return codes.astype(dtype), cost_bits


class _Ordered:
    """The quantities of one block of orders that every (n, k) shares (computed once per block)."""

    def __init__(self, order: np.ndarray, codes: np.ndarray, cost_bits: int, turns: int, k_max: int):
        n_problems, n_samples = codes.shape
        self.cost_bits, self.turns = cost_bits, turns
        flat = order + (np.arange(n_problems, dtype=order.dtype) * n_samples)[None, :, None]
        codes_o = np.take(codes.ravel(), flat)
        one = codes.dtype.type(1)
        wide = np.int16 if turns * n_samples < 2**15 else np.int32
        spent = np.cumsum(codes_o & codes.dtype.type((1 << cost_bits) - 1), axis=-1, dtype=wide)
        # Positions after every order has spent k_max attempts never matter: drop them.
        width = min(n_samples, int((spent < k_max).sum(-1).max()) + 1)
        self.codes_o, self.spent = codes_o[..., :width], spent[..., :width]
        self.n_samples = n_samples  # an order that reaches the end of the pool has used it whole
        self.width = width
        pub_o = (self.codes_o >> codes.dtype.type(cost_bits)) & one
        cor_o = ((self.codes_o >> codes.dtype.type(cost_bits + 1)) & one).astype(bool)
        real_o = (self.codes_o & codes.dtype.type((1 << cost_bits) - 1)) > 0
        pub_o = pub_o.astype(bool)
        non_o = real_o & ~pub_o
        self.cum_pub = np.cumsum(pub_o, axis=-1, dtype=wide)
        self.cum_non = np.cumsum(non_o, axis=-1, dtype=wide)
        good_pub, good_non = pub_o & cor_o, non_o & cor_o
        # The first correct public passer and the first correct public failure, and how many of their own
        # group come before them: only the first of each can be the one that solves the problem.
        self.first_a = good_pub.argmax(-1)
        self.has_a = _at(good_pub, self.first_a)
        self.first_d = good_non.argmax(-1)
        self.has_d = _at(good_non, self.first_d)
        self.pub_before_a = _at(self.cum_pub, self.first_a) - 1
        self.non_before_d = _at(self.cum_non, self.first_d) - 1
        self.exhausted_total = spent[..., -1]  # attempts of the whole pool

    def solved(self, n: int, k: int) -> np.ndarray:
        reached = (self.spent < k).sum(-1)  # positions before the one that reaches k
        exhausted = self.exhausted_total < k  # the whole pool is used
        idx = np.minimum(reached, self.width - 1)
        spent_at = _at(self.spent, idx)
        code_at = _at(self.codes_o, idx)
        cost_at = (code_at & code_at.dtype.type((1 << self.cost_bits) - 1)).astype(np.int32)
        truncated = ~exhausted & (spent_at > k)  # the last trajectory reached is cut by the budget
        full = np.where(exhausted, self.width, reached + (spent_at == k))  # trajectories offering their final attempt
        pub_full = np.where(full > 0, _at(self.cum_pub, np.maximum(full - 1, 0)), 0)
        non_full = np.where(full > 0, _at(self.cum_non, np.maximum(full - 1, 0)), 0)
        used = np.clip(k - (spent_at.astype(np.int32) - cost_at), 1, self.turns)
        shift = (self.cost_bits + 2 + 2 * (used - 1)).astype(code_at.dtype)
        one = code_at.dtype.type(1)
        pub_t = (((code_at >> shift) & one) > 0) & truncated
        cor_t = (((code_at >> (shift + one)) & one) > 0) & truncated
        solved = self.has_a & (self.first_a < full) & (self.pub_before_a < n)
        solved |= pub_t & cor_t & (pub_full < n)
        room = n - pub_full - pub_t  # submission slots left for public failures
        solved |= self.has_d & (self.first_d < full) & (self.non_before_d < room)
        solved |= truncated & ~pub_t & cor_t & (non_full < room)
        return solved


def _at(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, idx[..., None], -1)[..., 0]


def n_at_k_outcomes(order: np.ndarray, samples: np.ndarray, cost: np.ndarray, public: np.ndarray,
                    correct: np.ndarray, n: int, k: int) -> np.ndarray:
    """Solved (bool, (R, P)) for each given order of each problem's trajectories: one evaluation at budget k.

    ``order``   (R, P, N) an order of sample indices 0..N-1 per problem (padding samples are skipped)
    ``samples`` (P,) trajectories per problem; ``cost`` (P, N) attempts each trajectory used (>= 1)
    ``public``, ``correct``  (P, N, T) flags of each attempt, padded beyond ``cost`` with the last value
    """
    _check_pair(n, k)
    codes, cost_bits = _encode(np.asarray(samples), cost, public, correct)
    return _Ordered(np.asarray(order, dtype=np.int64), codes, cost_bits, public.shape[2], k).solved(n, k)


def _random_orders(rng: np.random.Generator, count: int, samples: np.ndarray, n_samples: int) -> np.ndarray:
    """(count, P, N) uniformly random orders: argsort of i.i.d. keys (float64: ties ~1e-13 per order), padding
    samples keyed last. Several times faster than Generator.permuted on index arrays here."""
    keys = rng.random((count, len(samples), n_samples))
    if np.any(samples < n_samples):
        keys[:, np.arange(n_samples)[None, :] >= samples[:, None]] = 2.0
    return np.argsort(keys, axis=-1)


def _check_pair(n: int, k: int) -> None:
    if n < 1 or k < n:
        raise ValueError(f"pass n@k: need 1 <= n <= k, got n={n}, k={k}")


def n_at_k_per_problem(samples: np.ndarray, cost: np.ndarray, public: np.ndarray, correct: np.ndarray,
                       pairs: list[tuple[int, int]], rng: np.random.Generator, se_target: float = 0.001,
                       max_permutations: int = 10_000, min_permutations: int = 100) -> dict[tuple[int, int], NAtK]:
    """pass n@k per problem for every (n, k) in ``pairs``.

    Problems whose trajectories all used one attempt: closed form. Problems with no correct attempt: 0. The
    others: the mean over random orders, added in blocks shared by all pairs (one stream per call); a pair
    stops taking blocks once the Monte Carlo standard error of its mean over all P problems is <= se_target
    (and at least min_permutations, at most max_permutations orders), so its value depends on the stream and
    on itself only, never on the other pairs asked for.
    """
    for n, k in pairs:
        _check_pair(n, k)
    samples = np.asarray(samples, dtype=np.int64)
    n_problems, n_samples = cost.shape
    turns = public.shape[2]
    real = np.arange(n_samples)[None, :] < samples[:, None]
    attempts = np.where(real, cost, 0).sum(1)
    single = np.all(~real | (cost == 1), axis=1)
    within = np.arange(turns)[None, None, :] < cost[..., None]
    hopeless = ~(correct & within & real[..., None]).any((1, 2))
    simulate = ~single & ~hopeless
    results = {}
    for n, k in pairs:
        values = np.zeros(n_problems)
        if single.any():
            values[single] = _single_turn_exact(public[single, :, 0], correct[single, :, 0], samples[single], n, k)
        results[(n, k)] = NAtK(values, ~simulate, attempts < k, 0, 0.0)
    if not simulate.any():
        return results
    codes, cost_bits = _encode(samples[simulate], cost[simulate], public[simulate], correct[simulate])
    sim_samples = samples[simulate]
    p_sim = int(simulate.sum())
    max_block = max(16, _BLOCK_ELEMENTS // (p_sim * n_samples))
    wins = {pair: np.zeros(p_sim) for pair in pairs}
    done = {pair: 0 for pair in pairs}  # orders taken by each pair so far
    wanted = {pair: min_permutations for pair in pairs}  # orders each pair is known to need
    open_pairs = list(pairs)
    while open_pairs:
        block = int(np.clip(min(wanted[p] - done[p] for p in open_pairs), 16, max_block))
        order = _random_orders(rng, block, sim_samples, n_samples)
        ordered = _Ordered(order, codes, cost_bits, turns, max(k for _, k in open_pairs))
        for pair in list(open_pairs):
            wins[pair] += ordered.solved(*pair).sum(0)
            done[pair] += block
            rate = wins[pair] / done[pair]
            # Binary outcomes: the variance of one evaluation of a problem is f(1 - f).
            var = float((rate * (1 - rate)).sum()) / max(done[pair] - 1, 1)
            se = np.sqrt(var) / n_problems
            if done[pair] >= max_permutations or (done[pair] >= min_permutations and se <= se_target):
                result = results[pair]
                result.values[simulate] = rate
                result.permutations, result.mc_se = done[pair], float(se)
                open_pairs.remove(pair)
            else:  # the standard error falls as 1/sqrt(orders): ask for what the target needs, plus 10%
                need = done[pair] * (se / se_target) ** 2 * 1.1
                wanted[pair] = int(min(max_permutations, max(done[pair] + 16, need)))
    return results


def pass_n_at_k(samples: np.ndarray, cost: np.ndarray, public: np.ndarray, correct: np.ndarray, n: int, k: int,
                resamples: int, rng: np.random.Generator, **options) -> tuple[float, float, float, np.ndarray]:
    """pass n@k of a set of problems: (mean, 2.5%, 97.5% of the problem bootstrap, per-problem values)."""
    result = n_at_k_per_problem(samples, cost, public, correct, [(n, k)], rng, **options)[(n, k)]
    counts = bootstrap_counts(len(result.values), resamples, rng) if resamples else None
    mean, low, high = bootstrap_means(result.values, counts)
    return float(mean[0]), float(low[0]), float(high[0]), result.values
