"""Every figure at paper scale: synthetic metrics tables for all evaluation cells of configs/paper.yaml.

    nice python benchmarks/figures_scale.py [--config configs/paper.yaml] [--out /tmp/figures_scale]
                                            [--baseline-rev REV --baseline-cpu-limit 30]

The cells are the plan's own (`build_plan`, so the count follows the config: 3,169 with the max-turns sweep),
the tables have the columns of docs/metrics.md and the paper's sizes (165 CodeContests test problems, 1,000
TACO test problems, 200 samples, the config's pass@k and n@k lists, TACO levels and CodeContests letters and
rating bands per difficulty). Values come from a simple hidden model (a Beta-distributed per-problem solve
rate whose mean grows with model size, CoT pair, turns, feedback and RFT; validation cells share the pair
effects with test, plus noise), so that every figure has something to draw; nothing is a real result.

Targets (issue 12, item 10): every figure renders; all of them together in <= 60 s (drawn in this process, the
tables read by each figure from CSV as `mtcodegen figure` does); every PNG <= 4,000 px a side. With
--baseline-rev the figures of that commit are drawn on the same tables in a subprocess each, cut at
--baseline-cpu-limit CPU seconds, for the ratio (CPU seconds: a shared machine's load inflates wall time). The similarity table is sampled: --similarity-pairs pairs per
multi-turn cell (100 by default) instead of the ~100 million a real paper run would have.
Prints one JSON line per figure and a summary line; PNGs stay under --out/figures for looking at.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import betaln

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from mtcodegen.config import load_config  # noqa: E402
from mtcodegen.metrics.trajectories import LABEL_COLUMNS  # noqa: E402
from mtcodegen.plan import build_plan  # noqa: E402

PROBLEMS = {"code_contests/test": 165, "code_contests/valid": 117, "taco/test": 1000}
TACO_LEVELS = ("EASY", "MEDIUM", "MEDIUM_HARD", "HARD", "VERY_HARD")
CC_LETTERS = ("A", "B", "C", "D", "E", "F", "G")
CC_BANDS = ("800-1199", "1200-1599", "1600-1999", "2000-2399", "2400-2799", "2800-3199", "3200-3599")
FEEDBACK_GAIN = {"binary": 0.0, "failed_tests": 0.01, "failed_and_passed_tests": 0.012, "ldb_block": 0.006}
CONCENTRATION = 0.6  # Beta(a, b) with a + b = this: most problems near 0 or 1, as in real pass@k curves


def model_skill(model: str) -> float:
    skill = 0.16 if "70b" in model else 0.06
    skill *= 1.15 if "3.1" in model else 1.0
    return skill + (0.04 if model.startswith("rft") else 0.0)


def pass_at(mean: np.ndarray | float, k) -> np.ndarray:
    """E[1 - (1 - p)^k] for p ~ Beta with the given mean: the pass@k of a population of problems."""
    mean = np.clip(mean, 1e-4, 0.999)
    a, b = CONCENTRATION * mean, CONCENTRATION * (1 - mean)
    return 1 - np.exp(betaln(a, b + np.asarray(k, dtype=float)) - betaln(a, b))


def interval(value, problems: int, rng) -> tuple:
    half = 1.96 * np.sqrt(np.maximum(value * (1 - value), 1e-4) / problems)
    noise = rng.normal(0, 0.1 * half)
    return np.clip(value - half + noise, 0, 1), np.clip(value + half + noise, 0, 1)


def cell_mean(label: dict, pair_effect: dict, rng) -> float:
    """Mean per-attempt solve rate of a cell's problems (the hidden truth of this synthetic run)."""
    dataset = label["dataset"]
    q = model_skill(label["model"]) * (0.7 if dataset.startswith("taco") else 1.0)
    key = (label["model"].removeprefix("rft_"), label["reasoning"], label["instruction"])
    q += pair_effect.setdefault(key, rng.normal(0.0, 0.012))
    if label["turns"] > 1:
        q += FEEDBACK_GAIN.get(label["feedback"], 0.0) + (0.005 if label["cot_retry"] else 0.0)
    if "valid" in dataset:
        q += rng.normal(0, 0.004)  # validation: same pair effects, its own sampling noise
    return float(np.clip(q, 0.005, 0.9))


def effective_attempts(label: dict, n: int, k: int) -> float:
    """pass n@k as pass@(effective draws): public-test filtering makes k attempts worth more than n, and
    later turns (with feedback) are worth a bit more than fresh samples."""
    turns = label["turns"]
    boost = 1 + 0.12 * (turns - 1) ** 0.7 if turns > 1 else 1.0
    return n * (1 + 0.8 * np.log(k / n + 1)) * boost if k > n else n


def synthetic_tables(labels: list[dict], config: dict, out: Path, seed: int = 0,
                     similarity_pairs: int = 100) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    metrics = config["metrics"]
    samples = config["sampling"]["samples"]
    pair_effect: dict = {}
    tables: dict[str, list] = {t: [] for t in ("pass_at_k", "n_at_k", "per_turn", "per_difficulty", "similarity",
                                                "non_code", "ledger")}
    for label in labels:
        head = {c: label.get(c) for c in LABEL_COLUMNS}
        problems = PROBLEMS.get(label["dataset"], 165)
        q = cell_mean(label, pair_effect, rng)
        turns = label["turns"]
        final_q = min(0.95, q * (1 + 0.35 * (turns - 1) ** 0.6))  # the code held after all turns
        for k in metrics["pass_at_k"]:
            if k > samples:
                continue
            v = float(pass_at(final_q, k))
            lo, hi = interval(v, problems, rng)
            tables["pass_at_k"].append(head | {"metric": f"pass@{k}", "k": k, "value": v, "ci_low": lo, "ci_high": hi,
                                                "problems": problems, "samples_min": samples})
        for n, k in metrics["n_at_k"]:
            if k > samples * turns:
                continue
            v = float(pass_at(q, effective_attempts(label, n, k)))
            lo, hi = interval(v, problems, rng)
            tables["n_at_k"].append(head | {"metric": f"{n}@{k}", "n": n, "k": k, "value": v, "ci_low": lo,
                                             "ci_high": hi, "problems": problems, "samples_min": samples,
                                             "replicates": metrics["bootstrap_resamples"]})
        for turn in range(1, turns + 1) if turns > 1 else ():
            qt = min(0.95, q * (1 + 0.35 * (turn - 1) ** 0.6))
            for k in metrics["pass_at_k"]:
                v = float(pass_at(qt, k))
                lo, hi = interval(v, problems, rng)
                tables["per_turn"].append(head | {"turn": turn, "metric": f"pass@{k}", "k": k, "value": v,
                                                   "ci_low": lo, "ci_high": hi, "problems": problems,
                                                   "samples_min": samples, "active_fraction": (1 - qt) ** (turn - 1)})
        groupings = [("difficulty", TACO_LEVELS)] if label["dataset"].startswith("taco") else \
            [("difficulty", CC_LETTERS), ("rating", CC_BANDS)]
        for grouping, levels in groupings:
            for i, group in enumerate(levels):
                qg = final_q * 2.2 * 0.55 ** i
                size = max(5, problems // len(levels))
                for k in metrics["pass_at_k"]:
                    v = float(pass_at(qg, k))
                    lo, hi = interval(v, size, rng)
                    tables["per_difficulty"].append(head | {"grouping": grouping, "group": group, "metric": f"pass@{k}",
                                                            "n": None, "k": k, "value": v, "ci_low": lo, "ci_high": hi,
                                                            "problems": size, "samples_min": samples})
        if turns > 1:
            sims = np.clip(rng.beta(6, 2, similarity_pairs) - (0.1 if label["finetuned"] else 0), 0, 1)
            for j, s in enumerate(sims):
                tables["similarity"].append(head | {"problem_id": f"p{j % problems}", "sample": j, "turn_from": 1,
                                                    "turn_to": 2, "similarity": s})
        prose = 0.15 if label["finetuned"] else (0.45 if label["reasoning"] != "none" else 0.3)
        for turn in [*range(1, turns + 1), "all"]:
            tables["non_code"].append(head | {"turn": turn, "responses": problems * samples,
                                              "non_code_fraction": prose, "non_code_fraction_sd": 0.1,
                                              "mean_response_chars": 1200})
        tables["ledger"].append(head | {"problems": problems, "trajectories": problems * samples,
                                        "attempts": problems * samples * turns})
    out.mkdir(parents=True, exist_ok=True)
    sizes = {}
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(out / f"{name}.csv", index=False)
        sizes[name] = len(rows)
    return sizes


def draw_current(tables: Path, figures: Path) -> list[dict]:
    from PIL import Image

    from mtcodegen.figures.cli import DEFAULT_REFERENCE, FIGURES

    results = []
    for name, draw in FIGURES.items():
        extra = {"reference": DEFAULT_REFERENCE} if name == "reproduced_vs_reported" else {}
        start, cpu = time.perf_counter(), time.process_time()
        draw(tables, figures / name, **extra)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        with Image.open(figures / f"{name}.png") as image:
            size = image.size
        results.append({"figure": name, "seconds": round(seconds, 2), "cpu_s": round(cpu, 2), "png_px": list(size),
                        "within_4000px": max(size) <= 4000})
    return results


def draw_baseline(rev: str, tables: Path, figures: Path, cpu_limit: float) -> dict[str, object]:
    """The figures of commit ``rev`` on the same tables, one subprocess each, cut at ``cpu_limit`` CPU seconds."""
    out, cpu, sizes = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "workflow/mtcodegen"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        code = ("import sys, time; sys.path.insert(0, sys.argv[1] + '/workflow');"
                "from mtcodegen.figures.cli import FIGURES, DEFAULT_REFERENCE; name = sys.argv[2];"
                "extra = {'reference': sys.argv[5]} if name == 'reproduced_vs_reported' else {};"
                "t = time.perf_counter(); FIGURES[name](sys.argv[3], sys.argv[4] + '/' + name, **extra);"
                "print(time.perf_counter() - t)")
        names = subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, '{tmp}/workflow');"
                                "from mtcodegen.figures.cli import FIGURES; print(' '.join(FIGURES))"],
                               capture_output=True, text=True, check=True).stdout.split()
        for name in names:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            figures.mkdir(parents=True, exist_ok=True)
            try:
                # Cut by CPU seconds, not wall time: on a loaded machine wall time mostly measures the others.
                done = subprocess.run([sys.executable, "-c", code, tmp, name, str(tables), str(figures),
                                       str(ROOT / "workflow" / "report" / "reference.csv")],
                                      capture_output=True, text=True, timeout=50 * cpu_limit,
                                      preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CPU,
                                                                            (int(cpu_limit), int(cpu_limit) + 1)))
                if done.returncode == 0:
                    out[name] = float(done.stdout.split()[-1])
                elif done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
                    out[name] = f"> {cpu_limit:g} CPU-s (cut)"
                else:
                    last = done.stderr.strip().splitlines()[-1][:120] if done.stderr.strip() else done.returncode
                    out[name] = f"failed: {last}"
            except subprocess.TimeoutExpired:
                out[name] = f"> {50 * cpu_limit:g} s wall (cut)"
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
            png = figures / f"{name}.png"
            if png.exists() and isinstance(out[name], float):
                try:
                    from PIL import Image

                    with Image.open(png) as image:
                        sizes[name] = list(image.size)
                except Exception as err:  # noqa: BLE001 - PIL refuses the largest ones: that is the finding
                    sizes[name] = f"unreadable: {type(err).__name__}"
            print(json.dumps({"baseline": name, "seconds": out[name], "cpu_s": cpu.get(name), "png_px": sizes.get(name)}),
                  flush=True)
    return {"seconds": out, "cpu_s": cpu, "png_px": sizes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=str(ROOT / "configs" / "paper.yaml"))
    parser.add_argument("--out", default="/tmp/figures_scale")
    parser.add_argument("--similarity-pairs", type=int, default=100)
    parser.add_argument("--reuse-tables", action="store_true", help="keep --out/tables from an earlier run")
    parser.add_argument("--baseline-rev", default=None, help="also draw that commit's figures (same tables)")
    parser.add_argument("--baseline-cpu-limit", type=float, default=30.0, help="CPU seconds per baseline figure")
    args = parser.parse_args()
    out = Path(args.out)
    config = load_config(args.config)
    start = time.perf_counter()
    labels = [cell.label for cell in build_plan(config, root=ROOT).cells]
    if args.reuse_tables and (out / "tables" / "n_at_k.csv").exists():
        sizes = {p.stem: sum(1 for _ in p.open()) - 1 for p in (out / "tables").glob("*.csv")}
    else:
        sizes = synthetic_tables(labels, config, out / "tables", similarity_pairs=args.similarity_pairs)
    setup = time.perf_counter() - start
    results = draw_current(out / "tables", out / "figures")
    for row in results:
        print(json.dumps(row), flush=True)
    total = sum(r["seconds"] for r in results)
    summary = {"cells": len(labels), "rows": sizes, "tables_s": round(setup, 1), "figures": len(results),
               "figures_total_s": round(total, 1),
               "figures_total_cpu_s": round(sum(r["cpu_s"] for r in results), 1), "target_s": 60, "all_within_4000px": all(r["within_4000px"] for r in results),
               "largest_png_px": max(max(r["png_px"]) for r in results), "python": platform.python_version(),
               "cpu": platform.processor() or platform.machine(), "load_average": os.getloadavg()}
    if args.baseline_rev:
        base = draw_baseline(args.baseline_rev, out / "tables", out / "baseline", args.baseline_cpu_limit)
        summary["baseline"] = {"rev": args.baseline_rev, **base}
        done = [n for n, v in base["seconds"].items() if isinstance(v, float)]
        summary["baseline_completed"] = f"{len(done)} of {len(base['seconds'])} figures"
        summary["baseline_completed_s"] = round(sum(base["seconds"][n] for n in done), 1)
        summary["baseline_cpu_s_all"] = round(sum(base["cpu_s"].values()), 1)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
