"""From loaded cells to the metric tables (one DataFrame per CSV; columns in docs/metrics.md)."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd

from ..schema import default
from .analyses import code_similarity, non_code_fraction
from .estimators import bootstrap_counts, bootstrap_means, n_at_k_per_problem, pass_at_k
from .trajectories import LABEL_COLUMNS, CellData

PASS_COLUMNS = ["metric", "k", "value", "ci_low", "ci_high", "problems", "samples_min"]
# n@k: the first nine are the columns of earlier versions; the rest were added with issue #12 (docs/metrics.md).
N_AT_K_COLUMNS = ["metric", "n", "k", "value", "ci_low", "ci_high", "problems", "samples_min", "replicates",
                  "exhausted_share", "attempts_min", "exact_share", "permutations", "mc_se"]


def _setting(config: dict[str, Any], key: str) -> Any:
    """A metrics setting; one the caller left out takes the config schema's default (mtcodegen.schema)."""
    return config[key] if key in config else default("metrics", key)


def _rng(config: dict[str, Any], *salt: int) -> np.random.Generator:
    # One stream per (use, cell, group...) so that adding a cell or a k never changes another row's interval.
    return np.random.default_rng([_setting(config, "seed"), *salt])


def _cell_salt(cell: CellData) -> int:
    """A cell's random stream is keyed by its name, not its position in the grid."""
    return zlib.crc32(str(cell.label.get("name")).encode())


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(LABEL_COLUMNS) + columns)


def _counts(cell: CellData, config: dict[str, Any], keep: np.ndarray, *group: int) -> np.ndarray | None:
    """The problem resamples of one set of problems of a cell. Every metric of that set (every table, k and
    (n, k)) uses the same resamples: one kind of interval, and pass@1 and 1@1 of a single-turn cell agree."""
    resamples = int(config["bootstrap_resamples"])
    problems = int(keep.sum())
    if resamples == 0 or problems == 0:
        return None
    if not cell.cache.get("keep_counts"):
        return bootstrap_counts(problems, resamples, _rng(config, 0, _cell_salt(cell), *group))
    key = ("counts", resamples, _setting(config, "seed"), group)  # within `estimator_tables`: once per cell
    if key not in cell.cache:
        cell.cache[key] = bootstrap_counts(problems, resamples, _rng(config, 0, _cell_salt(cell), *group))
    return cell.cache[key]


def estimator_tables(cells: list[CellData], config: dict[str, Any], log=print) -> dict[str, pd.DataFrame]:
    """The four tables of estimates, cell by cell, so that each cell's problem resamples are drawn once for
    all four and dropped before the next cell (a paper grid holds thousands of cells)."""
    parts: dict[str, list[pd.DataFrame]] = {"pass_at_k": [], "n_at_k": [], "per_turn": [], "per_difficulty": []}
    for cell in cells:
        cell.cache["keep_counts"] = True
        try:
            parts["pass_at_k"].append(pass_at_k_table([cell], config))
            parts["n_at_k"].append(n_at_k_table([cell], config, log))
            parts["per_turn"].append(per_turn_table([cell], config))
            parts["per_difficulty"].append(per_difficulty_table([cell], config))
        finally:
            cell.cache.clear()
    empty = {"pass_at_k": pass_at_k_table, "n_at_k": n_at_k_table, "per_turn": per_turn_table,
             "per_difficulty": per_difficulty_table}
    out = {}
    for name, frames in parts.items():
        frames = [f for f in frames if len(f)]  # pandas warns on concatenating empty frames
        out[name] = pd.concat(frames, ignore_index=True) if frames else empty[name]([], config)
    return out


def _pass_rows(cell: CellData, correct: np.ndarray, ks: list[int], counts, keep=None) -> list[dict[str, Any]]:
    """pass@k rows for one set of per-trajectory outcomes (P, N); k only up to the fewest samples."""
    keep = np.ones(len(cell.samples), dtype=bool) if keep is None else keep
    samples = cell.samples[keep]
    mask = np.arange(correct.shape[1])[None, :] < samples[:, None]
    c = (correct[keep] & mask).sum(axis=1)
    ks = [k for k in ks if k <= samples.min()]
    if not ks:
        return []
    per_problem = np.stack([pass_at_k(samples, c, k) for k in ks], axis=1)
    mean, low, high = bootstrap_means(per_problem, counts)
    return [{"k": k, "value": mean[j], "ci_low": low[j], "ci_high": high[j], "problems": int(keep.sum()),
             "samples_min": int(samples.min())} for j, k in enumerate(ks)]


def pass_at_k_table(cells: list[CellData], config: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for cell in cells:
        final = cell.success_at_turn(cell.max_turns)
        counts = _counts(cell, config, np.ones(len(cell.samples), dtype=bool))
        for row in _pass_rows(cell, final, config["pass_at_k"], counts):
            rows.append(cell.columns() | {"metric": f"pass@{row['k']}"} | row)
    return _frame(rows, PASS_COLUMNS)


def n_at_k_table(cells: list[CellData], config: dict[str, Any], log=print) -> pd.DataFrame:
    rows = []
    for cell in cells:
        keep = np.ones(len(cell.samples), dtype=bool)
        rows += [cell.columns() | row for row in _n_at_k_rows(cell, config, keep, _counts(cell, config, keep), log)]
    return _frame(rows, N_AT_K_COLUMNS)


def per_turn_table(cells: list[CellData], config: dict[str, Any]) -> pd.DataFrame:
    """pass@k of the code a trajectory holds after t attempts, and how many trajectories still run at t."""
    rows = []
    for cell in cells:
        mask = np.arange(cell.cost.shape[1])[None, :] < cell.samples[:, None]
        counts = _counts(cell, config, np.ones(len(cell.samples), dtype=bool))
        for turn in range(1, cell.max_turns + 1):
            active = float(((cell.cost >= turn) & mask).sum() / mask.sum())
            for row in _pass_rows(cell, cell.success_at_turn(turn), config["pass_at_k"], counts):
                rows.append(cell.columns() | {"turn": turn, "metric": f"pass@{row['k']}", "active_fraction": active}
                            | row)
    return _frame(rows, ["turn", "metric", "k", "value", "ci_low", "ci_high", "problems", "samples_min",
                         "active_fraction"])


def per_difficulty_table(cells: list[CellData], config: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for cell in cells:
        final = cell.success_at_turn(cell.max_turns)
        for g, grouping in enumerate(("difficulty", "rating")):
            labels = np.array([cell.groups.get(pid, {}).get(grouping, "unknown") for pid in cell.problem_ids])
            if grouping == "rating" and set(labels) == {"unknown"}:
                continue  # no ratings in this dataset: the difficulty rows already say "unknown"
            for j, group in enumerate(sorted(set(labels))):
                keep = labels == group
                counts = _counts(cell, config, keep, g + 1, zlib.crc32(str(group).encode()))
                head = cell.columns() | {"grouping": grouping, "group": group}
                for row in _pass_rows(cell, final, config["pass_at_k"], counts, keep):
                    rows.append(head | {"metric": f"pass@{row['k']}"} | row)
                for row in _n_at_k_rows(cell, config, keep, counts):
                    rows.append(head | row)
    return _frame(rows, ["grouping", "group", "metric", "n", "k", "value", "ci_low", "ci_high", "problems",
                         "samples_min", "exhausted_share", "attempts_min"])


def n_at_k_estimates(cell: CellData, config: dict[str, Any]) -> dict:
    """Per-problem pass n@k of every configured (n, k) whose budget some problem's trajectories can spend;
    computed once per cell (the n@k and per-difficulty tables share it)."""
    key = ("n_at_k", tuple(map(tuple, config["n_at_k"])), _setting(config, "seed"),
           _setting(config, "mc_standard_error"), _setting(config, "mc_max_permutations"))
    if key not in cell.cache:
        real = np.arange(cell.cost.shape[1])[None, :] < cell.samples[:, None]
        attempts = np.where(real, cell.cost, 0).sum(1)
        pairs = [(int(n), int(k)) for n, k in config["n_at_k"] if k <= attempts.max()]
        for old in [x for x in cell.cache if isinstance(x, tuple) and x[0] == "n_at_k"]:
            del cell.cache[old]  # estimates of another configuration
        cell.cache[key] = n_at_k_per_problem(
            cell.samples, cell.cost, cell.public, cell.correct, pairs, _rng(config, 2, _cell_salt(cell)),
            se_target=float(_setting(config, "mc_standard_error")),
            max_permutations=int(_setting(config, "mc_max_permutations"))) if pairs else {}
    return cell.cache[key]


def _n_at_k_rows(cell: CellData, config: dict[str, Any], keep: np.ndarray, counts, log=None) -> list[dict[str, Any]]:
    """pass n@k rows of the problems ``keep`` for the (n, k) pairs whose budget they can spend. A problem whose
    trajectories hold fewer than k attempts uses them all (``exhausted_share``); a pair is left out only when
    that is so for every problem (it would not measure a budget of k)."""
    rows = []
    estimates = n_at_k_estimates(cell, config)
    real = np.arange(cell.cost.shape[1])[None, :] < cell.samples[:, None]
    attempts = np.where(real, cell.cost, 0).sum(1)[keep]
    kept = []
    for n, k in config["n_at_k"]:
        result = estimates.get((int(n), int(k)))
        if result is None or result.exhausted[keep].all():
            if log:
                log(f"{cell.label.get('name')}: {n}@{k} left out: the budget k={k} exceeds the attempts the "
                    f"trajectories of every problem used (at most {attempts.max()})")
            continue
        kept.append((n, k, result))
    if not kept:
        return rows
    mean, low, high = bootstrap_means(np.stack([r.values[keep] for _, _, r in kept], axis=1), counts)
    for j, (n, k, result) in enumerate(kept):
        rows.append({"metric": f"{n}@{k}", "n": n, "k": k, "value": mean[j], "ci_low": low[j], "ci_high": high[j],
                     "problems": int(keep.sum()), "samples_min": int(cell.samples[keep].min()),
                     "replicates": int(config["bootstrap_resamples"]),
                     "exhausted_share": float(result.exhausted[keep].mean()), "attempts_min": int(attempts.min()),
                     "exact_share": float(result.exact[keep].mean()), "permutations": result.permutations,
                     "mc_se": result.mc_se})
    return rows


def similarity_table(cells: list[CellData]) -> pd.DataFrame:
    """One row per pair of consecutive attempts that both have code (the distribution, not only its mean)."""
    rows = []
    for cell in cells:
        for record in cell.records:
            attempts = record["attempts"]
            for before, after in zip(attempts, attempts[1:]):
                if before.get("code") is None or after.get("code") is None:
                    continue
                rows.append(cell.columns() | {"problem_id": record["problem_id"], "sample": record["sample"],
                                              "turn_from": before.get("turn"), "turn_to": after.get("turn"),
                                              "similarity": code_similarity(before["code"], after["code"])})
    return _frame(rows, ["problem_id", "sample", "turn_from", "turn_to", "similarity"])


def non_code_table(cells: list[CellData]) -> pd.DataFrame:
    """Mean share of non-code text per (cell, turn), and over all turns (turn = 'all')."""
    rows = []
    for cell in cells:
        by_turn: dict[Any, list[tuple[float, int]]] = {}
        for record in cell.records:
            for attempt in record["attempts"]:
                response = attempt.get("response") or ""
                value = (non_code_fraction(response, attempt.get("code")), len(response))
                by_turn.setdefault(attempt.get("turn"), []).append(value)
                by_turn.setdefault("all", []).append(value)
        for turn, values in sorted(by_turn.items(), key=lambda kv: (kv[0] == "all", str(kv[0]))):
            fractions = np.array([v[0] for v in values])
            rows.append(cell.columns() | {"turn": turn, "responses": len(values),
                                          "non_code_fraction": fractions.mean(),
                                          "non_code_fraction_sd": fractions.std(),
                                          "mean_response_chars": float(np.mean([v[1] for v in values]))})
    return _frame(rows, ["turn", "responses", "non_code_fraction", "non_code_fraction_sd", "mean_response_chars"])


LEDGER_TOKENS = ("prompt_tokens", "completion_tokens")
# The generate stage records, on every attempt, the wall time of the *batch* it was part of (docs/generation.md):
# summing over attempts would charge one batch once per attempt in it. The ledger sums each batch once,
# identified by (turn, recorded seconds): distinct batches practically never share a time to 0.1 ms.
LEDGER_WALL = ("generation_s", "judge_s")
LEDGER_SUMS = LEDGER_TOKENS + LEDGER_WALL


def ledger_table(cells: list[CellData]) -> pd.DataFrame:
    """What each cell cost; an attempt missing a counter is counted in ``missing_counters``, never as 0 silently."""
    rows = []
    for cell in cells:
        totals = dict.fromkeys(LEDGER_TOKENS, 0)
        batches: dict[str, set] = {key: set() for key in LEDGER_WALL}
        attempts = missing = errors = internal = 0
        for record in cell.records:
            errors += record.get("finish") == "error"
            for attempt in record["attempts"]:
                attempts += 1
                internal += any((attempt.get(k) or {}).get("verdict") == "IE" for k in ("public", "private"))
                for key in LEDGER_SUMS:
                    if attempt.get(key) is None:
                        missing += 1
                    elif key in totals:
                        totals[key] += attempt[key]
                    else:
                        batches[key].add((attempt.get("turn"), round(float(attempt[key]), 4)))
        totals |= {key: sum(seconds for _, seconds in batches[key]) for key in LEDGER_WALL}
        trajectories = len(cell.records)
        rows.append(cell.columns() | {"problems": len(cell.problem_ids), "trajectories": trajectories,
                                      "attempts": attempts, "attempts_per_trajectory": attempts / trajectories,
                                      "error_trajectories": errors, "sandbox_errors": internal,
                                      "missing_counters": missing} | totals
                    | {f"{key}_per_trajectory": totals[key] / trajectories for key in LEDGER_SUMS})
    return _frame(rows, ["problems", "trajectories", "attempts", "attempts_per_trajectory", "error_trajectories",
                         "sandbox_errors", "missing_counters", *LEDGER_SUMS,
                         *(f"{key}_per_trajectory" for key in LEDGER_SUMS)])
