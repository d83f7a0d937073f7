"""The estimators, vectorized over problems (and bootstrap replicates). Definitions are in docs/metrics.md.

pass@k (Chen et al., 2021): the unbiased estimator 1 - C(n-c, k) / C(n, k), in the product form
1 - prod_{i=n-c+1}^{n} (1 - k/i), which never forms a binomial coefficient and so stays exact in floating point
for n in the thousands.

pass n@k (AlphaCode; multi-turn as in arXiv 2410.08105): trajectories are drawn i.i.d. with replacement from
a problem's samples until k *attempts* are spent; each drawn trajectory offers one candidate (its last attempt
inside the budget); candidates that pass the public tests are ranked first, ties broken by draw order (which
is random); the first n are submitted and the problem counts as solved if any submitted candidate passes the
private tests.
"""

from __future__ import annotations

import numpy as np

# Upper bound on elements of one (replicates x problems x draws) block, to keep memory near 100 MB.
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


def bootstrap_mean(values: np.ndarray, resamples: int, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean of per-problem ``values`` and a 95% percentile interval from resampling problems."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (float("nan"),) * 3
    mean = float(values.mean())
    if resamples == 0:
        return mean, float("nan"), float("nan")
    means = np.empty(resamples)
    step = max(1, _BLOCK_ELEMENTS // values.size)
    for start in range(0, resamples, step):
        stop = min(resamples, start + step)
        idx = rng.integers(0, values.size, size=(stop - start, values.size))
        means[start:stop] = values[idx].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return mean, float(low), float(high)


def n_at_k_outcomes(
    draws: np.ndarray, cost: np.ndarray, public: np.ndarray, private: np.ndarray, n: int, k: int
) -> np.ndarray:
    """Solved (bool) for each row of ``draws``: one budget of ``k`` attempts, ``n`` submissions.

    ``draws``   (R, P, L) trajectory indices in draw order (L >= k is enough: every trajectory costs >= 1)
    ``cost``    (P, N) attempts each trajectory used (>= 1)
    ``public``, ``private``  (P, N, T) pass flags of each attempt, padded beyond ``cost`` with the last value
    Returns (R, P).
    """
    if n < 1 or k < n:
        raise ValueError(f"pass n@k: need 1 <= n <= k, got n={n}, k={k}")
    n_problems, n_samples = cost.shape
    turns = public.shape[2]
    # Flat indices with np.take: several times faster than multi-dimensional fancy indexing here.
    flat = (np.arange(n_problems, dtype=np.int64)[None, :, None] * n_samples + draws).astype(np.int64)
    drawn_cost = np.take(cost.ravel().astype(np.int32), flat)  # (R, P, L)
    spent_before = np.cumsum(drawn_cost, axis=-1, dtype=np.int32) - drawn_cost
    used = np.clip(k - spent_before, 0, drawn_cost)  # attempts of this trajectory inside the budget
    offered = used > 0
    attempt = flat * turns + np.maximum(used - 1, 0)
    cand_public = np.take(public.ravel(), attempt) & offered
    cand_private = np.take(private.ravel(), attempt) & offered
    cand_other = offered & ~cand_public
    n_public = cand_public.sum(axis=-1, keepdims=True, dtype=np.int32)
    # Public passers first (in draw order), then the others fill the remaining slots (in draw order).
    submit_public = cand_public & (np.cumsum(cand_public, axis=-1, dtype=np.int32) <= n)
    room = np.maximum(n - n_public, 0)
    submit_other = cand_other & (np.cumsum(cand_other, axis=-1, dtype=np.int32) <= room)
    return ((submit_public | submit_other) & cand_private).any(axis=-1)


def pass_n_at_k(
    samples: np.ndarray,
    cost: np.ndarray,
    public: np.ndarray,
    private: np.ndarray,
    n: int,
    k: int,
    replicates: int,
    rng: np.random.Generator,
) -> tuple[float, float, float, np.ndarray]:
    """Bootstrap pass n@k of a cell: (mean, 2.5%, 97.5%, per-problem solve rate over replicates).

    ``samples`` (P,) how many trajectories each problem has (rows of ``cost`` beyond it are padding).
    Each replicate is one evaluation at this budget: every problem gets its own i.i.d. draws.
    """
    replicates = max(replicates, 1)
    n_problems = cost.shape[0]
    scores = np.empty(replicates)
    solved_per_problem = np.zeros(n_problems)
    step = max(1, _BLOCK_ELEMENTS // max(1, n_problems * k))
    for start in range(0, replicates, step):
        stop = min(replicates, start + step)
        u = rng.random((stop - start, n_problems, k))
        draws = np.minimum((u * samples[None, :, None]).astype(np.int64), samples[None, :, None] - 1)
        solved = n_at_k_outcomes(draws, cost, public, private, n, k)
        scores[start:stop] = solved.mean(axis=1)
        solved_per_problem += solved.sum(axis=0)
    low, high = np.percentile(scores, [2.5, 97.5]) if replicates > 1 else (np.nan, np.nan)
    return float(scores.mean()), float(low), float(high), solved_per_problem / replicates
