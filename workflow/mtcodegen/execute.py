"""`mtcodegen execute`: judge every attempt of a trajectories file on its problem's private tests.

Reads the generate stage's trajectories (docs/contracts.md §3), fills ``attempt["private"]`` with a
Verdict-summary (its ``tests`` cut to the failed ones) and adds ``final`` for the last attempt; every other
field is kept as it was. Attempts without code get ``CE`` / ``"no code"`` without a sandbox run. Identical
programs (the same code for the same problem, frequent across samples and turns) are judged once. While it
judges, a line on stderr every 15 s gives the programs judged of the total, the rate and the ETA.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .jsonl import read_jsonl, write_jsonl
from .options import json_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trajectories", required=True, help="the generate stage's trajectories.jsonl.gz")
    parser.add_argument("--problems", required=True, help="the problems file the trajectories were generated on")
    parser.add_argument("--execution", required=True, help="the config's execution section, as JSON")
    parser.add_argument("--out", required=True, help="where to write the judged trajectories")
    parser.add_argument("--cache-dir", help="optional on-disk verdict cache shared between runs")


def _summary(verdict: dict[str, Any]) -> dict[str, Any]:
    """The Verdict with only its failed tests (private test outcomes are never fed back to the model)."""
    return {**verdict, "tests": [t for t in verdict["tests"] if t["verdict"] != "AC"]}


def _no_code() -> dict[str, Any]:
    return {"verdict": "CE", "passed": 0, "total": 0, "time_s": 0.0, "cached": False, "detail": "no code",
            "tests": [], "trace": None}


PROGRESS_INTERVAL_S = 15.0  # a progress line at least this often (issue #11: at least every 30 s)


def _eta(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def judge_with_progress(judge, requests: list, interval_s: float = PROGRESS_INTERVAL_S) -> list[dict[str, Any]]:
    """``judge.run(requests)``, logging every ``interval_s`` (and at the end) how many programs are judged of
    how many, the rate so far and the time left at that rate. The requests go through Judge.judge_one on as
    many threads as the judge has workers (the work happens in its jails), so each finished one is counted."""
    total, done, lock = len(requests), [0], threading.Lock()
    started = time.monotonic()
    finished = threading.Event()

    def one(request):
        verdict = judge.judge_one(request)
        with lock:
            done[0] += 1
        return verdict

    def report(final: bool = False) -> None:
        elapsed = max(time.monotonic() - started, 1e-9)
        count = done[0]
        rate = count / elapsed
        tail = f"in {elapsed:.1f}s" if final else (f"ETA {_eta((total - count) / rate)}" if count else "ETA unknown")
        print(f"execute: {count}/{total} programs judged ({100 * count / max(total, 1):.0f}%), "
              f"{rate:.1f} programs/s, {tail}", file=sys.stderr, flush=True)

    def reporter() -> None:
        while not finished.wait(interval_s):
            report()

    thread = threading.Thread(target=reporter, name="execute-progress", daemon=True)
    thread.start()
    try:
        with ThreadPoolExecutor(max(1, int(getattr(judge, "workers", 1) or 1)), thread_name_prefix="execute") as pool:
            verdicts = list(pool.map(one, requests))
    finally:
        finished.set()
        thread.join()
    report(final=True)
    return verdicts


def judge_trajectories(records: list[dict], problems: dict[str, dict], execution, judge,
                       progress_interval_s: float = PROGRESS_INTERVAL_S) -> list[dict]:
    """``execution``: the config's execution section (a dict, any subset: the schema fills the rest) or an
    ExecutionSettings."""
    from .sandbox import ExecutionSettings, JudgeRequest, Limits

    execution = ExecutionSettings.from_dict(execution, what="--execution")
    stop = execution.stop_private_at_first_failure
    requests, slots = [], []  # slots[i] = (record index, attempt index) judged by requests[i]
    for r_index, record in enumerate(records):
        problem_id = record.get("problem_id")
        if problem_id not in problems:
            raise ValueError(f"trajectory {r_index} refers to problem {problem_id!r}, which is not in the problems file")
        problem = problems[problem_id]
        for a_index, attempt in enumerate(record.get("attempts", [])):
            if not attempt.get("code"):
                attempt["private"] = _no_code()
                continue
            requests.append(JudgeRequest(
                program=attempt["code"], kind=problem["kind"], entry_point=problem.get("entry_point"),
                tests=problem["private_tests"], limits=Limits.from_execution_config(execution, problem),
                checker=problem.get("checker", "tokens"), stop_on_first_failure=stop))
            slots.append((r_index, a_index))
    for (r_index, a_index), verdict in zip(slots, judge_with_progress(judge, requests, progress_interval_s)):
        records[r_index]["attempts"][a_index]["private"] = _summary(verdict)
    for record in records:
        last = record["attempts"][-1] if record.get("attempts") else None
        record["final"] = {
            "public_pass": bool(last and (last.get("public") or {}).get("verdict") == "AC"),
            "private_pass": bool(last and last["private"]["verdict"] == "AC"),
        }
    return records


def _pass_on_skip(trajectories: str, out: str) -> bool:
    """A cell the generate stage skipped (mtcodegen.skipped): an empty result that keeps the reason."""
    from pathlib import Path

    from .skipped import read_skip, write_skip

    stats = Path(trajectories).parent / "stats.json"
    skip = json.loads(stats.read_text(encoding="utf-8")).get("skipped") if stats.is_file() else None
    if not skip:
        return False
    write_jsonl(out, [])
    write_skip(Path(out).parent, **{k: v for k, v in skip.items() if k != "skipped"})
    print(f"execute: nothing to judge, the cell was skipped: {skip['reason']}", file=sys.stderr)
    return True


def run(args) -> int:
    from .sandbox import ExecutionSettings, Judge, SandboxUnavailable

    execution = ExecutionSettings.from_dict(
        json_option(args.execution, "--execution", what="a JSON object (the config's execution section)"),
        what="--execution")
    problems = {p["id"]: p for p in read_jsonl(args.problems)}
    records = list(read_jsonl(args.trajectories))
    if not records and _pass_on_skip(args.trajectories, args.out):
        return 0
    started = time.monotonic()
    try:
        judge = Judge(mode=execution.sandbox, workers=execution.workers, cache_dir=args.cache_dir)
    except SandboxUnavailable as err:
        raise ValueError(f"the sandbox cannot run here: {err}") from None
    with judge:
        judge_trajectories(records, problems, execution, judge)
    write_jsonl(args.out, records)
    attempts = [a for r in records for a in r.get("attempts", [])]
    counts: dict[str, int] = {}
    for attempt in attempts:
        counts[attempt["private"]["verdict"]] = counts.get(attempt["private"]["verdict"], 0) + 1
    print(f"execute: {len(records)} trajectories, {len(attempts)} attempts judged in {time.monotonic() - started:.1f}s "
          f"({judge.cache.hits} cache hits): {json.dumps(counts, sort_keys=True)}", file=sys.stderr)
    return 0
