"""Speed of the metrics estimators at paper scale vs plain-Python baselines, measured in the same run.

    nice python benchmarks/metrics_estimators.py [--replicates 10000]

One cell of the paper's size: 165 problems (CodeContests test), 200 trajectories each, 3 turns. (1) pass n@k
10@30, one evaluation of every problem in a random order of its trajectories (without replacement): the
vectorized rule (`n_at_k_outcomes` on a block of orders) vs a per-order, per-problem Python loop (timed on a
few hundred orders, scaled per order). (2) pass@k for k in 1..200: the product form over all problems at once
vs `math.comb` per problem. The whole metrics step at paper scale (closed forms, adaptive Monte Carlo, one
bootstrap) is benchmarks/metrics_paper_scale.py; speed-up ratios printed as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from mtcodegen.metrics.estimators import n_at_k_outcomes, pass_at_k  # noqa: E402

PROBLEMS, SAMPLES, TURNS, N, K = 165, 200, 3, 10, 30


def synthetic(rng: np.random.Generator):
    cost = rng.integers(1, TURNS + 1, size=(PROBLEMS, SAMPLES))
    public = rng.random((PROBLEMS, SAMPLES, TURNS)) < 0.2
    private = public & (rng.random((PROBLEMS, SAMPLES, TURNS)) < 0.8)
    return cost, public, private


def loop_replicate(cost, public, private, rnd: random.Random) -> float:
    """One evaluation of every problem, the obvious way: shuffle, spend, rank, submit, problem by problem."""
    solved = 0
    for p in range(PROBLEMS):
        spent, candidates = 0, []
        for s in rnd.sample(range(SAMPLES), SAMPLES):
            if spent >= K:
                break
            used = min(int(cost[p, s]), K - spent)
            spent += used
            candidates.append((not public[p, s, used - 1], len(candidates), bool(private[p, s, used - 1])))
        solved += any(priv for _, _, priv in sorted(candidates)[:N])
    return solved / PROBLEMS


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=2000, help="random orders timed (vectorized)")
    parser.add_argument("--baseline-replicates", type=int, default=200)
    args = parser.parse_args()
    cost, public, private = synthetic(np.random.default_rng(0))
    samples = np.full(PROBLEMS, SAMPLES)

    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for first in range(0, args.replicates, 100):
        orders = np.argsort(rng.random((min(100, args.replicates - first), PROBLEMS, SAMPLES)), axis=-1)
        n_at_k_outcomes(orders, samples, cost, public, public & private, N, K)
    vectorized = (time.perf_counter() - start) / args.replicates
    rnd = random.Random(1)
    start = time.perf_counter()
    for _ in range(args.baseline_replicates):
        loop_replicate(cost, public, private, rnd)
    loop = (time.perf_counter() - start) / args.baseline_replicates

    n = np.full(PROBLEMS, SAMPLES)
    c = np.random.default_rng(2).integers(0, SAMPLES + 1, size=PROBLEMS)
    start = time.perf_counter()
    for k in range(1, SAMPLES + 1):
        pass_at_k(n, c, k)
    product = time.perf_counter() - start
    start = time.perf_counter()
    for k in range(1, SAMPLES + 1):
        [1 - math.comb(int(a - b), k) / math.comb(int(a), k) for a, b in zip(n, c)]
    comb = time.perf_counter() - start

    print(json.dumps({
        "machine": f"{platform.processor() or platform.machine()}, {platform.python_version()}",
        "cell": {"problems": PROBLEMS, "samples": SAMPLES, "turns": TURNS, "metric": f"{N}@{K}"},
        "n_at_k_s_per_replicate": {"vectorized": vectorized, "python_loop": loop, "speedup": loop / vectorized},
        "n_at_k_s_for_orders": {"orders": args.replicates, "vectorized": vectorized * args.replicates,
                                "python_loop": loop * args.replicates},
        "pass_at_k_s_all_k": {"product_form": product, "math_comb": comb, "speedup": comb / product},
    }, indent=2))


if __name__ == "__main__":
    main()
