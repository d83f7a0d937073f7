"""Per-run overhead of full isolation vs a bare `subprocess.run` of the same trivial program.

    python benchmarks/judge_overhead.py [--runs 100]

Measures, in the same run: (1) bare: `subprocess.run([python, "-c", PROGRAM])` with its stdin/stdout; (2) judged
in a warm jail (the Judge's normal path: one program after another in a reused jail, a fresh fork per test,
output compared); (3) cold: a new nsjail started for every run (the worst case: a single request). Each judged
program differs by a comment, so the verdict cache never answers. Target: warm / bare <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))

from mtcodegen.sandbox import Judge, JudgeRequest, Limits  # noqa: E402
from mtcodegen.sandbox.jail import NsjailLauncher, jail_python  # noqa: E402

PROGRAM = "a, b = map(int, input().split())\nprint(a + b)\n"
TEST = {"input": "1 2\n", "output": "3\n"}


def bare(runs: int, python: str) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run([python, "-I", "-S", "-c", PROGRAM], input="1 2\n", capture_output=True, text=True)
        assert done.stdout.split() == ["3"]
        times.append(time.perf_counter() - start)
    return times


def warm(runs: int) -> list[float]:
    times = []
    with Judge(mode="nsjail", workers=1, cache_size=0) as judge:
        judge.run([JudgeRequest(program=PROGRAM, tests=[TEST])])  # start the jail
        for i in range(runs):
            request = JudgeRequest(program=PROGRAM + f"# {i}\n", tests=[TEST], limits=Limits())
            start = time.perf_counter()
            (verdict,) = judge.run([request])
            times.append(time.perf_counter() - start)
            assert verdict["verdict"] == "AC", verdict
    return times


def cold(runs: int) -> list[float]:
    launcher = NsjailLauncher()
    limits = Limits()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        runner = launcher.start(limits.memory_mb, limits.processes, 60)
        runner.request({"op": "load", "program": PROGRAM, "kind": "stdio", "entry_point": None,
                        "limits": limits.for_runner()}, 30)
        outcome = runner.request({"op": "test", "input": TEST["input"]}, 30)
        runner.close()
        times.append(time.perf_counter() - start)
        assert outcome["stdout"].split() == ["3"]
    launcher.after_close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    python, _ = jail_python()
    results = {"bare": bare(args.runs, python), "warm": warm(args.runs), "cold": cold(max(10, args.runs // 4))}
    summary = {name: round(statistics.median(values) * 1000, 2) for name, values in results.items()}
    report = {
        "machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        "runs": args.runs,
        "median_ms": summary,
        "warm_over_bare": round(summary["warm"] / summary["bare"], 3),
        "cold_over_bare": round(summary["cold"] / summary["bare"], 3),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
