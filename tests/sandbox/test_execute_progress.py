"""The execute stage's log shows progress while it judges (issue #11 item 6): programs done of total, rate, ETA,
at least every 30 s (here: every 0.05 s, against a judge double that takes a known time per program)."""

from __future__ import annotations

import re
import threading
import time

from mtcodegen import execute


class SlowJudge:
    """judge_one takes `delay` seconds per program; workers as the real Judge has them."""

    def __init__(self, delay: float, workers: int = 2):
        self.delay, self.workers = delay, workers
        self.threads: set[str] = set()

    def judge_one(self, request):
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        return {"verdict": "AC", "passed": 1, "total": 1, "time_s": 0.0, "cached": False, "detail": "",
                "tests": [], "trace": None}


def _inputs(programs: int):
    problem = {"id": "toy/1", "kind": "stdio", "entry_point": None, "checker": "tokens", "time_limit_s": None,
               "memory_limit_mb": None, "public_tests": [], "private_tests": [{"input": "", "output": ""}]}
    records = [{"problem_id": "toy/1", "attempts": [{"turn": 1, "code": f"print({i})"}]} for i in range(programs)]
    return records, {"toy/1": problem}


def test_progress_lines_give_done_of_total_rate_and_eta(capsys):
    records, problems = _inputs(40)
    judge = SlowJudge(delay=0.01, workers=2)
    started = time.monotonic()
    execute.judge_trajectories(records, problems, {}, judge, progress_interval_s=0.05)
    elapsed = time.monotonic() - started
    lines = [l for l in capsys.readouterr().err.splitlines() if "programs judged" in l]
    # 40 programs x 10 ms on 2 workers take >= 0.2 s: at least 3 lines at 0.05 s intervals, then the final one.
    assert len(lines) >= 3, lines
    counts = [tuple(map(int, re.search(r"(\d+)/(\d+) programs judged", l).groups())) for l in lines]
    assert all(total == 40 for _, total in counts)
    done = [d for d, _ in counts]
    assert done == sorted(done) and done[-1] == 40 and done[0] < 40
    for line in lines[:-1]:
        assert re.search(r"[\d.]+ programs/s", line) and re.search(r"ETA \d", line), line
    rate = float(re.search(r"([\d.]+) programs/s", lines[-1]).group(1))
    assert 40 / elapsed / 2 <= rate <= 40 / elapsed * 2  # the rate is the one measured here, within 2x
    assert len(judge.threads) == 2  # judged on the judge's worker count, in parallel
    assert all(r["attempts"][0]["private"]["verdict"] == "AC" for r in records)


def test_the_default_interval_is_under_30_seconds():
    assert 0 < execute.PROGRESS_INTERVAL_S <= 30
