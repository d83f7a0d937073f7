"""Load time of the trajectory browser in a real headless Chromium (Debian's), for a small cell and a synthetic
paper-size cell (165 problems x 200 trajectories x up to 3 turns, ~150k messages).

Measured in the same run, per cell:
  build       `build_page` (Python, --workers processes): seconds, peak RSS of this process and of a worker
  page load   navigation -> the problem list rendered (the page's own data-state="ready"): the paged page loads
              index.js only
  open        click a problem -> its first trajectory rendered (loads that problem's data/p/<n>.js)
  baseline    the same browser loading every data file up front, as a page without paging must (evaluating
              the JavaScript only, no rendering: a lower bound of the unpaged page); ratio = baseline / page load
Each browser figure is the median of --repeats fresh loads (about:blank in between; the files stay in the OS
page cache, as on a second visit).

    .venv/bin/python benchmarks/browser_load.py [--repeats 5] [--workers 0] [--json OUT] [--reuse] [--keep DIR] [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))

from mtcodegen.browser.build import build_page  # noqa: E402
from mtcodegen.browser.headless import Chromium  # noqa: E402
from mtcodegen.jsonl import write_jsonl  # noqa: E402

SYSTEM = ("You are an expert competitive programmer and a careful Python 3 engineer. You read problem statements "
          "closely, respect every stated constraint and input format, and write correct, efficient code.")
WORDS = ("the array integer query string each output print number given test case value minimum maximum sum "
         "length pair index sorted distinct modulo graph edge vertex path tree").split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _program(rng: random.Random, lines: int) -> str:
    body = [f"    x{i} = sum(a[{i}:]) % {rng.randint(2, 997)}" for i in range(lines)]
    return "def solve(a):\n" + "\n".join(body) + "\n    return x0\n\nprint(solve(list(map(int, input().split()))))\n"


def synthetic_cell(directory: Path, problems: int, samples: int, turns: int, seed: int = 0) -> tuple[Path, Path]:
    """Problems and execute-stage trajectories per docs/contracts.md, at paper-like sizes: a ~1.2 kB statement,
    ~1 kB responses with a fenced program of ~25 lines, failed-test feedback between turns."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    probs = []
    for p in range(problems):
        tests = [{"input": " ".join(str(rng.randint(1, 99)) for _ in range(8)) + "\n", "output": f"{rng.randint(1, 99)}\n"}
                 for _ in range(3)]
        probs.append({"id": f"synth/{p:04d}", "dataset": "synth", "split": "test", "source_format": "synthetic",
                      "statement": _text(rng, 200), "kind": "stdio", "entry_point": None, "starter_code": "",
                      "public_tests": tests[:2], "private_tests": tests, "difficulty": rng.choice("ABCDE"),
                      "rating": rng.choice([800, 1200, 1600, 2000]), "time_limit_s": 2.0, "memory_limit_mb": 256,
                      "tags": [], "checker": "tokens", "reference_solution": None, "source_hash": "0" * 64})
    problems_path = directory / "problems.jsonl.gz"
    write_jsonl(problems_path, probs)

    def verdict(ok: bool, total: int) -> dict:
        tests = [] if ok else [{"index": 0, "verdict": "WA", "time_s": 0.01, "got": "", "stdout": "41\n",
                                "stderr": "", "detail": "token 1: expected '42', got '41'"}]
        return {"verdict": "AC" if ok else "WA", "passed": total if ok else total - 1, "total": total,
                "time_s": 0.05, "cached": False, "detail": "" if ok else "token 1: expected '42', got '41'",
                "tests": tests, "trace": None}

    def records():
        for problem in probs:
            for s in range(samples):
                messages = [{"role": "system", "content": SYSTEM},
                            {"role": "user", "content": problem["statement"] + "\n\nExample input:\n1 2\n"}]
                attempts, code = [], _program(rng, rng.randint(15, 35))
                solve_at = rng.choice([1, 2, 3, None, None, None])
                for turn in range(1, turns + 1):
                    if turn > 1 and rng.random() < 0.7:  # most fixes change a few lines
                        lines = code.split("\n")
                        lines[rng.randrange(1, len(lines) - 4)] = f"    y = {rng.randint(0, 99)}"
                        code = "\n".join(lines)
                    response = _text(rng, 60) + "\n```python\n" + code + "```\n" + _text(rng, 20)
                    ok = solve_at == turn
                    messages.append({"role": "assistant", "content": response})
                    attempts.append({"turn": turn, "response": response, "code": code, "extraction": "fenced",
                                     "reasoning": [], "instruction": None, "public": verdict(ok, 2),
                                     "private": verdict(ok, 3), "prompt_tokens": 400 * turn,
                                     "completion_tokens": 300, "generation_s": 1.5, "judge_s": 0.1,
                                     "finish_reason": "stop"})
                    if ok:
                        break
                    if turn < turns:
                        messages.append({"role": "user", "content": "Your code failed 1 of the 2 public tests "
                                         "(wrong answer).\n\nTest 1:\nInput:\n1 2\nExpected output:\n42\n"
                                         "Your output:\n41\n\nFind the problem and give a corrected version."})
                yield {"cell": "0" * 16, "cell_name": "synthetic", "problem_id": problem["id"], "sample": s,
                       "seed": rng.randint(0, 2**31), "messages": messages, "attempts": attempts,
                       "finish": "public_pass" if attempts[-1]["public"]["verdict"] == "AC" else "max_turns",
                       "final": {"public_pass": attempts[-1]["public"]["verdict"] == "AC",
                                 "private_pass": attempts[-1]["private"]["verdict"] == "AC"}}

    trajectories = directory / "trajectories.jsonl.gz"
    write_jsonl(trajectories, records())
    return problems_path, trajectories


BASELINE_HTML = """<!DOCTYPE html><meta charset="utf-8"><title>baseline</title>
<script>var loaded = 0; function mtcgData(p) { loaded++; }</script>
<script src="data/index.js"></script>
{scripts}
<script>document.documentElement.dataset.done = String(loaded);</script>
"""


def measure(browser: Chromium, page: Path, repeats: int, shots: Path | None, tag: str) -> dict:
    loads, opens, walls = [], [], []
    for _ in range(repeats):
        wall = time.perf_counter()
        browser.open(page / "index.html")
        browser.wait_for("document.body.dataset.state === 'ready'")
        walls.append(time.perf_counter() - wall)
        # The page's ready mark is taken right after the list is built: add one frame so that it is painted.
        loads.append(browser.evaluate(
            "new Promise(r => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))",
            await_promise=True))
        middle = browser.evaluate("document.querySelectorAll('#list tbody tr').length") // 2
        started = browser.evaluate("performance.now()")
        browser.click(f"#list tbody tr:nth-child({middle + 1}) button")
        browser.wait_for("document.body.dataset.trajectory !== 'loading' && document.body.dataset.trajectory")
        opens.append(browser.evaluate(
            "new Promise(r => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)))",
            await_promise=True) - started)
    heap_mb = browser.evaluate("performance.memory.usedJSHeapSize") / 2**20  # the page's JS heap, one problem open
    if shots:
        browser.screenshot(shots / f"browser_{tag}_trajectory.png")
        browser.open(page / "index.html")
        browser.wait_for("document.body.dataset.state === 'ready'")
        browser.screenshot(shots / f"browser_{tag}_list.png")
    # Baseline: every data file up front.
    files = sorted((page / "data" / "p").glob("*.js"), key=lambda p: int(p.stem))
    (page / "baseline.html").write_text(BASELINE_HTML.replace(
        "{scripts}", "\n".join(f'<script src="data/p/{f.name}"></script>' for f in files)))
    base = []
    for _ in range(repeats):
        browser.open(page / "baseline.html")
        assert browser.wait_for("document.documentElement.dataset.done") == str(len(files) + 1)
        base.append(browser.evaluate("performance.now()"))
    (page / "baseline.html").unlink()
    return {"page_load_ms": statistics.median(loads), "open_problem_ms": statistics.median(opens),
            "driver_wall_s": statistics.median(walls), "baseline_all_data_ms": statistics.median(base),
            "ratio_baseline_over_page": statistics.median(base) / statistics.median(loads),
            "js_heap_mb_one_problem_open": round(heap_mb, 1),
            "loads_ms": [round(x, 1) for x in loads], "opens_ms": [round(x, 1) for x in opens],
            "baseline_ms": [round(x, 1) for x in base]}


def sizes(page: Path) -> dict:
    problem_files = [p.stat().st_size for p in (page / "data" / "p").glob("*.js")]
    return {"index_js_bytes": (page / "data" / "index.js").stat().st_size,
            "largest_problem_file_bytes": max(problem_files), "data_bytes": sum(problem_files)
            + (page / "data" / "index.js").stat().st_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--workers", type=int, default=0, help="build processes (0: one per core)")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--keep", help="build the cells under this directory (default: a temporary one)")
    parser.add_argument("--screenshots", help="save screenshots of both cells here")
    parser.add_argument("--reuse", action="store_true",
                        help="with --keep and --json of an earlier run: keep its cells, build figures and peak RSS; "
                             "measure the browser again")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="browser-load-"))
    shots = Path(args.screenshots) if args.screenshots else None
    results_before = json.loads(Path(args.json).read_text()) if args.reuse and args.json and Path(args.json).is_file() else {}
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    results = {"machine": f"{platform.node()} {platform.processor() or platform.machine()}, "
               f"{__import__('os').cpu_count()} cores", "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    # Precise memory info: performance.memory is otherwise rounded to coarse buckets.
    with Chromium(extra_flags=("--enable-precise-memory-info",)) as browser:
        results["chromium"] = browser.send("Browser.getVersion", session=False).get("product")
        for tag, (problems, samples, turns) in {"small": (20, 1, 3), "paper": (165, 200, 3)}.items():
            previous = results_before.get(tag, {}) if args.reuse else {}
            if previous and (base / tag / "page" / "index.html").is_file():  # --reuse: measure the browser only
                problems_path, trajectories = base / tag / "problems.jsonl.gz", base / tag / "trajectories.jsonl.gz"
                made, built = previous["generate_s"], previous["build_s"]
                summary = {k: previous[k] for k in ("problems", "trajectories")}
            else:
                t0 = time.perf_counter()
                problems_path, trajectories = synthetic_cell(base / tag, problems, samples, turns)
                made = time.perf_counter() - t0
                t0 = time.perf_counter()
                summary = build_page(trajectories, problems_path, base / tag / "page",
                                     label={"name": "synthetic", "turns": turns}, workers=args.workers)
                built = time.perf_counter() - t0
            index = json.loads((base / tag / "page" / "data" / "index.js").read_text()[len("mtcgData("):-3])
            messages = sum(len(json.loads(line)["messages"]) for line in _lines(trajectories))
            results[tag] = {"problems": summary["problems"], "trajectories": summary["trajectories"],
                            "messages": messages, "attempts_max": index["turns"], "generate_s": round(made, 1),
                            "build_s": round(built, 1),
                            "peak_rss_mb": previous.get("peak_rss_mb") or
                            round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
                            "peak_worker_rss_mb": previous.get("peak_worker_rss_mb") or
                            round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
                            **sizes(base / tag / "page"), **measure(browser, base / tag / "page", args.repeats,
                                                                    shots, tag)}
            print(json.dumps({tag: results[tag]}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


def _lines(path: Path):
    import gzip

    with gzip.open(path, "rt", encoding="utf-8") as handle:
        yield from handle


if __name__ == "__main__":
    sys.exit(main())
