"""Cost of the metrics estimators at paper scale, before (issue #12) and after, measured in the same run.

    nice python benchmarks/metrics_paper_scale.py [--old-replicates 200] [--json out.json]
    nice python benchmarks/metrics_paper_scale.py --coverage 300     # the interval's coverage instead

Synthetic paper-size cells, built directly as the arrays `read_cell` produces: 165 problems (CodeContests
test) x 200 trajectories, single turn and 3 turns, each problem with a hidden per-attempt public-pass rate
(40% of problems never pass; the rest Beta(0.5, 3), a little higher at each later turn), a public pass correct
on all tests with probability 0.85, trajectories stopping at the first public pass (the generate loop's rule);
five difficulty levels and eight rating bands.

After: the four estimator tables of configs/paper.yaml's metrics section (pass_at_k, n_at_k, per_turn,
per_difficulty: 10,000 bootstrap resamples, n@k pairs 1@3 10@30 10@100 33@100 100@300) for one cell of each
kind, timed whole. Before: the old estimator (draws with replacement, 10,000 replicates per (n, k) and per
difficulty group: copied below from the code before issue #12) timed on --old-replicates replicates and scaled
linearly (its cost is linear in replicates: blocks of them). The grid estimate multiplies each cell kind's
time per problem by configs/paper.yaml's cells (3,169; TACO test has 1,000 problems, CodeContests test 165,
valid 117). The analyses tables (similarity, non_code, ledger) read the responses' text and are not timed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from mtcodegen.metrics import tables  # noqa: E402
from mtcodegen.metrics.estimators import bootstrap_counts, bootstrap_means, pass_at_k  # noqa: E402
from mtcodegen.metrics.trajectories import CellData  # noqa: E402

PROBLEMS, SAMPLES = 165, 200
CONFIG = {"pass_at_k": [1, 10, 100], "n_at_k": [[1, 3], [10, 30], [10, 100], [33, 100], [100, 300]],
          "bootstrap_resamples": 10000, "seed": 0, "correct": "all_tests", "mc_standard_error": 0.001,
          "mc_max_permutations": 10000}
PROBLEM_COUNTS = {"code_contests/test": 165, "code_contests/valid": 117, "taco/test": 1000}


def synthetic_cell(turns: int, seed: int, problems: int = PROBLEMS, samples: int = SAMPLES,
                   verdict: str = "all_tests") -> CellData:
    rng = np.random.default_rng(seed)
    rate = np.where(rng.random(problems) < 0.4, 0.0, rng.beta(0.5, 3.0, problems))
    cost = np.full((problems, samples), turns, dtype=np.int64)
    public = np.zeros((problems, samples, turns), dtype=bool)
    private = np.zeros((problems, samples, turns), dtype=bool)
    stopped = np.zeros((problems, samples), dtype=bool)
    for t in range(turns):
        passes = ~stopped & (rng.random((problems, samples)) < np.minimum(1, rate * (1 + 0.2 * t))[:, None])
        right = rng.random((problems, samples)) < 0.85
        public[:, :, t] = np.where(stopped, public[:, :, t - 1] if t else False, passes)
        private[:, :, t] = np.where(stopped, private[:, :, t - 1] if t else False,
                                    np.where(passes, right, rng.random((problems, samples)) < 0.02))
        cost[passes] = t + 1
        stopped |= passes
    ids = [f"p{p}" for p in range(problems)]
    groups = {pid: {"difficulty": "ABCDE"[p % 5], "rating": f"{800 + 400 * (p % 8)}-{1199 + 400 * (p % 8)}"}
              for p, pid in enumerate(ids)}
    label = {"name": f"synthetic.t={turns}.{seed}", "turns": turns}
    correct = public & private if verdict == "all_tests" else private
    return CellData(label, ids, np.full(problems, samples), cost, public, private, groups=groups, correct=correct)


def new_tables(cell: CellData) -> tuple[float, dict]:
    """CPU seconds of the four estimator tables of one cell, as `mtcodegen metrics` computes them."""
    start = time.process_time()
    frames = tables.estimator_tables([cell], CONFIG, log=lambda _: None)
    return time.process_time() - start, frames


# --- the estimator before issue #12 (workflow/mtcodegen/metrics/estimators.py at c652e0f^), unchanged --------

def old_outcomes(draws, cost, public, private, n, k):
    n_problems, n_samples = cost.shape
    turns = public.shape[2]
    flat = (np.arange(n_problems, dtype=np.int64)[None, :, None] * n_samples + draws).astype(np.int64)
    drawn_cost = np.take(cost.ravel().astype(np.int32), flat)
    spent_before = np.cumsum(drawn_cost, axis=-1, dtype=np.int32) - drawn_cost
    used = np.clip(k - spent_before, 0, drawn_cost)
    offered = used > 0
    attempt = flat * turns + np.maximum(used - 1, 0)
    cand_public = np.take(public.ravel(), attempt) & offered
    cand_private = np.take(private.ravel(), attempt) & offered
    cand_other = offered & ~cand_public
    n_public = cand_public.sum(axis=-1, keepdims=True, dtype=np.int32)
    submit_public = cand_public & (np.cumsum(cand_public, axis=-1, dtype=np.int32) <= n)
    room = np.maximum(n - n_public, 0)
    submit_other = cand_other & (np.cumsum(cand_other, axis=-1, dtype=np.int32) <= room)
    return ((submit_public | submit_other) & cand_private).any(axis=-1)


def old_pass_n_at_k(samples, cost, public, private, n, k, replicates, rng):
    n_problems = cost.shape[0]
    scores = np.empty(replicates)
    step = max(1, 4_000_000 // max(1, n_problems * k))
    for start in range(0, replicates, step):
        stop = min(replicates, start + step)
        u = rng.random((stop - start, n_problems, k))
        draws = np.minimum((u * samples[None, :, None]).astype(np.int64), samples[None, :, None] - 1)
        scores[start:stop] = old_outcomes(draws, cost, public, private, n, k).mean(axis=1)
    return float(scores.mean())


def old_cost(cell: CellData, replicates: int) -> tuple[float, dict]:
    """CPU seconds of the old n@k at 10,000 replicates, for the cell and for its per-difficulty groups (the
    old table recomputed n@k on each group: difficulty and rating, i.e. twice more the cell's problems)."""
    budget = int(cell.samples.min()) * cell.max_turns
    values, seconds = {}, 0.0
    for n, k in CONFIG["n_at_k"]:
        if k > budget:
            continue
        start = time.process_time()
        values[f"{n}@{k}"] = old_pass_n_at_k(cell.samples, cell.cost, cell.public, cell.private, n, k, replicates,
                                             np.random.default_rng(1))
        seconds += (time.process_time() - start) * CONFIG["bootstrap_resamples"] / replicates
    return seconds * 3, values  # the cell + per-difficulty (difficulty groups + rating groups)


def grid_estimate(per_problem_s: dict[int, dict[int, float]]) -> tuple[float, dict]:
    """CPU seconds of the paper grid's estimator tables from the seconds of one cell per (turns, problems)."""
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    plan = build_plan(load_config(ROOT / "configs" / "paper.yaml"))
    total, kinds = 0.0, {}
    for cell in plan.cells:
        turns = int(cell.label["turns"])
        problems = PROBLEM_COUNTS[cell.label["dataset"]]
        # Measured at 165 and 1,000 problems, linear in between (CodeContests valid: 117, scaled from 165);
        # a t-turn cell costs like the 3-turn one scaled by its attempts (the sweep's 2, 4, 5 turns: 3 cells).
        at = per_problem_s[1 if turns == 1 else 3]
        if problems >= 165:
            seconds = at[165] + (at[1000] - at[165]) * (problems - 165) / (1000 - 165)
        else:
            seconds = at[165] * problems / 165
        seconds *= 1 if turns == 1 else turns / 3
        total += seconds
        kinds[f"{cell.label['dataset']} t={turns}"] = kinds.get(f"{cell.label['dataset']} t={turns}", 0) + 1
    return total, {"cells": len(plan.cells), "by_kind": kinds}


def coverage(worlds: int, problems: int = 165, samples: int = 200, ks=(1, 10, 100), resamples: int = 1000,
             seed: int = 0) -> dict:
    """How often the 95% interval holds the population mean of pass@k, over simulated evaluations: the
    problem bootstrap (what the tables report) and the two-level bootstrap (problems, then within each its
    samples) that issue #12 item 3 also names. Each world draws 165 problems from one population (40% never
    solved, the rest a Beta(0.5, 3) per-sample rate) and 200 samples of each."""
    rng = np.random.default_rng(seed)
    hits = {"problems": np.zeros(len(ks)), "problems_and_samples": np.zeros(len(ks))}
    widths = {key: np.zeros(len(ks)) for key in hits}
    table = np.stack([pass_at_k(np.full(samples + 1, samples), np.arange(samples + 1), k) for k in ks], 1)  # (c, k)
    for w in range(worlds):
        # A population of problems: 40% never solved, the rest Beta(0.5, 3) per-sample rates.
        def draw_rates(m):
            return np.where(rng.random(m) < 0.4, 0.0, rng.beta(0.5, 3.0, m))
        truth = np.array([np.mean(1 - (1 - draw_rates(200000)) ** k) for k in ks])  # population mean of pass@k
        rates = draw_rates(problems)
        c = rng.binomial(samples, rates)
        values = table[c]  # (P, K)
        counts = bootstrap_counts(problems, resamples, rng)
        _, low, high = bootstrap_means(values, counts)
        hits["problems"] += (low <= truth) & (truth <= high); widths["problems"] += high - low
        # Two levels: the resampled problems, and within each its samples (c* ~ Binomial(N, c/N)).
        idx = rng.integers(0, problems, size=(resamples, problems))
        cstar = rng.binomial(samples, c[idx] / samples)
        means = table[cstar].mean(axis=1)  # (R, K)
        low2, high2 = np.percentile(means, [2.5, 97.5], axis=0)
        hits["problems_and_samples"] += (low2 <= truth) & (truth <= high2); widths["problems_and_samples"] += high2 - low2
    return {key: {f"pass@{k}": {"coverage": round(float(hits[key][j]) / worlds, 3),
                                    "mean_width": round(float(widths[key][j]) / worlds, 4)}
                  for j, k in enumerate(ks)} for key in hits}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old-replicates", type=int, default=200)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--coverage", type=int, metavar="WORLDS",
                        help="instead: the intervals' coverage over this many simulated evaluations (300: ~90 s)")
    args = parser.parse_args()
    if args.coverage:
        print(json.dumps(coverage(args.coverage), indent=1))
        return
    result = {"machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
                         f"numpy {np.__version__}", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "cell": {"problems": PROBLEMS, "samples": SAMPLES}, "config": CONFIG}
    per_problem = {}
    for turns in (1, 3):
        cell = synthetic_cell(turns, seed=turns)
        after, frames = new_tables(cell)
        taco, _ = new_tables(synthetic_cell(turns, seed=10 + turns, problems=1000))
        before, old_values = old_cost(synthetic_cell(turns, seed=turns), args.old_replicates)
        n_at_k = frames["n_at_k"].set_index("metric")
        # The same cell graded as before (private tests alone): what drawing without replacement changes.
        private_only = tables.n_at_k_table([synthetic_cell(turns, seed=turns, verdict="private_tests")],
                                           CONFIG | {"correct": "private_tests"}, log=lambda _: None)
        result[f"turns={turns}"] = {
            "after_cpu_s": after, "after_cpu_s_1000_problems": taco, "before_cpu_s_at_10000": before,
            "speedup": before / after,
            "n_at_k_after": {m: {"value": round(r["value"], 4), "ci": [round(r["ci_low"], 4), round(r["ci_high"], 4)],
                                 "exact_share": r["exact_share"], "permutations": int(r["permutations"]),
                                 "mc_se": float(r["mc_se"]), "exhausted_share": r["exhausted_share"]}
                             for m, r in n_at_k.iterrows()},
            "n_at_k_before_with_replacement_private_tests": {m: round(v, 4) for m, v in old_values.items()},
            "n_at_k_after_private_tests": {r["metric"]: round(r["value"], 4) for _, r in private_only.iterrows()},
            "rows": {name: len(frame) for name, frame in frames.items()},
        }
        per_problem[turns] = {165: after, 1000: taco}
        print(json.dumps({f"turns={turns}": result[f"turns={turns}"]}, indent=1), flush=True)
    total, grid = grid_estimate(per_problem)
    # The old estimator's cost is linear in the problems (every replicate draws for every problem).
    old_per_problem = {t: {165: result[f"turns={t}"]["before_cpu_s_at_10000"],
                           1000: result[f"turns={t}"]["before_cpu_s_at_10000"] * 1000 / 165} for t in (1, 3)}
    old_total, _ = grid_estimate(old_per_problem)
    result["paper_grid"] = grid | {"after_cpu_hours": total / 3600, "before_cpu_hours": old_total / 3600,
                                   "target_cpu_hours": 2.0, "speedup": old_total / total}
    print(json.dumps({"paper_grid": result["paper_grid"]}, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
