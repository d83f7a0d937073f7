"""A/B of the in-jail runner: the per-test cost of the runner at a git revision against the working tree's.

    .venv/bin/python benchmarks/judge_runner_ab.py --before 1178b20 [--tests 500] [--repeats 3]

One warm nsjail Judge (1 worker) per side and repeat; one stdio program judged on --tests tests, no early
stop; the sides alternate, medians; JSON on stdout. Used for the #12/#14 runner changes (traces, site builtins,
the CPU timer and the recursion cap on every test): BENCHMARKS.md, "Judging".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from mtcodegen.sandbox import Judge, JudgeRequest, jail

PROGRAM = "n = int(input())\nprint(n * 2)\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="git revision of the baseline runner")
    parser.add_argument("--tests", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    source = subprocess.run(["git", "show", f"{args.before}:workflow/mtcodegen/sandbox/runner.py"], check=True,
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1]).stdout
    with tempfile.TemporaryDirectory() as tmp:
        before = Path(tmp) / "runner.py"
        before.write_text(source)
        before.chmod(0o644)
        Path(tmp).chmod(0o755)  # the jail mounts it as uid 65534
        sides = {"before": before, "after": jail.RUNNER_SOURCE}
        tests = [{"input": f"{i}\n", "output": f"{2 * i}\n"} for i in range(args.tests)]
        times: dict[str, list[float]] = {name: [] for name in sides}
        for repeat in range(args.repeats):
            for name, path in sides.items():
                jail.RUNNER_SOURCE = path
                with Judge(mode="nsjail", workers=1) as judge:
                    judge.run([JudgeRequest(program=PROGRAM + "# warm", tests=tests[:5])])
                    started = time.perf_counter()
                    (verdict,) = judge.run([JudgeRequest(program=PROGRAM + f"# {name} {repeat}", tests=tests)])
                    times[name].append(time.perf_counter() - started)
                    assert verdict["verdict"] == "AC", verdict["detail"]
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({"per_test_ms": {n: round(1000 * m / args.tests, 3) for n, m in medians.items()},
                      "ratio_after_over_before": round(medians["after"] / medians["before"], 3),
                      "load_average": Path("/proc/loadavg").read_text().split()[:3], "runs_s": times}))


if __name__ == "__main__":
    main()
