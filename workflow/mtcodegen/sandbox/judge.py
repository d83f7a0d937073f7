"""The Judge API (docs/contracts.md §2): programs + tests -> verdicts.

At most one jail launch per request (a program and its test batch), usually none: warm jails are reused.
The runner compiles the program once and forks per test.
The host sends the tests (a few ahead, pipelined), compares each outcome with the expected output outside the jail, and stops
at the first failure when asked. Requests run in a thread pool (the work happens in the jails' processes), and
identical requests are judged once (VerdictCache).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .. import typed_json
from . import checkers
from .cache import VerdictCache, request_key
from .jail import RunnerError, make_launcher
from .limits import Limits

VERDICTS = ("AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "IE")
EXCERPT = 1024
KINDS = ("stdio", "call")
CHECKERS = ("tokens", "exact", "evalplus", "apps")  # evalplus, apps: call results only
TRACES = (None, "line", "block", "function")
UNJUDGEABLE = "unjudgeable: needs a special judge"
PIPELINE_DEPTH = 4  # tests sent ahead of their answers
DEEP_RECURSION = 10_000  # calls deep at a TLE, beyond which the verdict calls it deep recursion
DEEP_STACK_KB = 16 << 10  # stack in use at a TLE beyond which it is deep C recursion (Linux's default is 8 MiB)
STACK_MB = 256  # the test's stack limit (runner.STACK_MB), at most its memory limit
FRAME_BYTES = 1024  # runner.FRAME_BYTES: the recursion depth cap is the stack over this
JAIL_LIFETIME_S = 1800.0  # a warm jail is retired after half of this; nsjail kills it at the full time


@dataclass(frozen=True)
class JudgeRequest:
    program: str
    kind: str = "stdio"
    entry_point: str | None = None
    tests: list[dict[str, Any]] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    checker: str = "tokens"
    stop_on_first_failure: bool = False
    trace: str | None = None

    def __post_init__(self):
        if not isinstance(self.program, str):
            raise ValueError(f"JudgeRequest.program must be a str, got {type(self.program).__name__}")
        if self.kind not in KINDS:
            raise ValueError(f"JudgeRequest.kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "call" and not self.entry_point:
            raise ValueError("JudgeRequest: a call-kind request needs entry_point (the function name)")
        if self.checker not in CHECKERS + ("unjudgeable",):
            raise ValueError(f"JudgeRequest.checker must be one of {CHECKERS} (or 'unjudgeable'), got {self.checker!r}")
        if self.trace not in TRACES:
            raise ValueError(f"JudgeRequest.trace must be one of {TRACES}, got {self.trace!r}")
        if not isinstance(self.limits, Limits):
            raise ValueError("JudgeRequest.limits must be a Limits")
        needed = ("input", "output") if self.kind == "stdio" else ("args", "expected")
        for index, test in enumerate(self.tests):
            missing = [key for key in needed if key not in test]
            if missing:
                raise ValueError(f"test {index} of a {self.kind} request lacks {missing} (has {sorted(test)})")


def _excerpt(text: str, limit: int = EXCERPT) -> str:
    """At most ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    marker = f"... [{len(text)} chars in all]"
    return text[: limit - len(marker)] + marker


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def classify(outcome: dict[str, Any], test: dict[str, Any], request: JudgeRequest) -> dict[str, Any]:
    """Turn a runner outcome into one test result (verdict, detail, excerpts)."""
    limits = request.limits
    report = outcome.get("report") or {}
    result = {
        "verdict": "AC",
        "time_s": outcome["cpu_s"],
        "wall_s": outcome["wall_s"],
        "memory_kb": outcome["memory_kb"],
        "stdout": _excerpt(outcome["stdout"]),
        "stderr": _excerpt(outcome["stderr"]),
        "detail": "",
    }
    exception = report.get("exception")
    status = outcome["status"]
    if status == "output_limit":
        result.update(verdict="OLE", detail=f"output over {limits.output_kb} KiB")
    elif exception == "MemoryError":  # before TLE: freeing a huge heap can outlast the time limit
        result.update(verdict="MLE", detail=f"MemoryError (limit {limits.memory_mb} MiB)")
    elif (status == "timeout" or outcome["cpu_s"] > limits.time_s or outcome.get("signal") == signal.SIGXCPU
          or "timeout" in report):
        result.update(verdict="TLE", detail=_tle_detail(outcome, report, limits))
    elif status == "signaled":
        name = _signal_name(outcome["signal"])
        if outcome.get("oom_killed"):
            result.update(verdict="MLE", detail=f"killed by the out-of-memory killer (limit {limits.memory_mb} MiB)")
        elif outcome["signal"] == signal.SIGKILL and outcome["memory_kb"] > limits.memory_mb * 1024:
            result.update(verdict="MLE", detail=f"killed at {outcome['memory_kb'] // 1024} MiB")
        else:
            result.update(verdict="RE", detail=name)
    elif exception:
        message = report.get("message", "")
        detail = f"{exception}: {message}"[:200] if message else exception
        if exception == "RecursionError":  # say what the limit is: a judge's stack, not CPython's default 1000
            depth = (min(STACK_MB, limits.memory_mb) << 20) // FRAME_BYTES
            detail += (f" (sys.setrecursionlimit is capped at {depth:,} here: a {min(STACK_MB, limits.memory_mb)} MiB"
                       " stack)")
        result.update(verdict="RE", detail=detail)
    elif request.kind == "stdio" and outcome["code"] != 0:
        result.update(verdict="RE", detail=f"exit status {outcome['code']}")
    elif request.kind == "call":
        _classify_call(result, report, outcome, test, request)
    else:
        ok, reason = checkers.compare_stdio(outcome["stdout"], test["output"], request.checker, test.get("tolerance"))
        if not ok:
            result.update(verdict="WA", detail=reason)
    return result


def _tle_detail(outcome: dict[str, Any], report: dict[str, Any], limits: Limits) -> str:
    """What a TLE was doing when its time ran out (docs/sandbox.md, "Time, recursion and the stack")."""
    detail = f"over {limits.time_s:g}s"
    if outcome.get("status") == "timeout" and outcome["cpu_s"] < limits.time_s / 2:
        detail += (f" of wall time with {outcome['cpu_s']:.2f}s of CPU (waiting: sleeping or reading input that is"
                   " not there, or starved by a loaded machine)")
    where = report.get("timeout") if isinstance(report.get("timeout"), dict) else None
    if where and where.get("line") is not None:
        function = where.get("function") or "<module>"
        place = f"line {where['line']}" if function == "<module>" else f"{function} (line {where['line']})"
        depth = int(where.get("depth") or 0)
        if depth > DEEP_RECURSION:
            deep = f"more than {depth:,}" if where.get("capped") else f"{depth:,}"
            return f"{detail}: {deep} calls deep in {place} when its time ran out (deep recursion)"
        return f"{detail}, at {place}" if function == "<module>" else f"{detail}, in {place}"
    if outcome["memory_kb"] >= limits.memory_mb * 1024:
        return f"{detail}, at its memory limit ({outcome['memory_kb'] >> 10} MiB in use of {limits.memory_mb} MiB) when killed"
    stack_kb = outcome.get("stack_kb")
    if stack_kb is not None and outcome.get("status") == "timeout":  # it could not say where: stuck in C code
        stack = f"{stack_kb >> 10} MiB of stack in use (limit {min(STACK_MB, limits.memory_mb)} MiB)"
        if stack_kb > DEEP_STACK_KB:
            return f"{detail}, inside a builtin call: {stack}, deep recursion (repr, ==, ... of a deeply nested value)"
        return f"{detail}, inside a builtin call ({stack})"
    return detail


def _classify_call(result, report, outcome, test, request) -> None:
    if "missing" in report:
        result.update(verdict="RE", detail=f"no function named {request.entry_point!r}")
    elif "unserializable" in report:
        result.update(verdict="WA", detail=report["unserializable"])
    elif "result" not in report:
        result.update(verdict="RE", detail=f"no return value (exit status {outcome['code']})")
    else:
        try:
            got = typed_json.decode(report["result"])
        except (ValueError, TypeError, KeyError) as err:
            result.update(verdict="WA", detail=f"unreadable return value: {err}")
            return
        result["got"] = _excerpt(repr(got))
        expected = typed_json.decode(test["expected"])
        if request.checker == "evalplus":  # evalplus's rule, its special oracles included (test["oracle"])
            args = typed_json.decode(test["args"]) if test.get("oracle") else None
            ok = checkers.evalplus_match(got, expected, test, args)
        else:
            equal = {"apps": checkers.values_equal_apps}.get(request.checker, checkers.values_equal)
            ok = equal(got, expected, test.get("tolerance"))
        if not ok:
            result.update(verdict="WA", detail=f"expected {_excerpt(repr(expected), 200)}, got {_excerpt(repr(got), 200)}")


def _message_for(test: dict[str, Any], request: JudgeRequest, trace: str | None = None) -> dict[str, Any]:
    if request.kind == "stdio":
        message = {"op": "test", "input": test["input"]}
    else:
        message = {"op": "test", "args": test["args"], "kwargs": test.get("kwargs") or {"__dict__": []}}
        if test.get("oracle") == "not_none":  # what that oracle compares is computed in the jail (runner.py)
            message["result_not_none"] = True
    if trace:
        message["trace"] = trace
    return message


class Judge:
    """``with Judge(mode="nsjail", workers=0) as judge: judge.run([JudgeRequest(...), ...])``."""

    def __init__(self, mode: str = "nsjail", workers: int = 0, cache_dir: str | os.PathLike | None = None,
                 cache_size: int = 4096):
        self.launcher = make_launcher(mode)  # raises SandboxUnavailable with the reason when nsjail can't run
        self.mode = mode
        self.workers = workers or os.cpu_count() or 1
        self.cache = VerdictCache(cache_size, cache_dir)
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="judge")
        self._idle: dict[tuple[int, int], list] = {}
        self._idle_lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        with self._idle_lock:
            self._closed = True
            runners = [r for idle in self._idle.values() for r in idle]
            self._idle.clear()
        for runner in runners:
            runner.close()
        self.launcher.after_close()

    def run(self, requests: list[JudgeRequest]) -> list[dict[str, Any]]:
        """One verdict per request, in order."""
        return list(self._pool.map(self.judge_one, requests))

    def judge_one(self, request: JudgeRequest) -> dict[str, Any]:
        key = request_key(request)
        cached = self.cache.get(key)
        if cached is not None:
            return {**cached, "cached": True}
        verdict = self._judge(request)
        if verdict["verdict"] != "IE":  # an internal error may pass; never remember it
            self.cache.put(key, verdict)
        return verdict

    def _judge(self, request: JudgeRequest) -> dict[str, Any]:
        started = time.monotonic()
        total = len(request.tests)
        if request.checker == "unjudgeable":
            return _verdict("IE", 0, total, started, UNJUDGEABLE, [])
        if not request.tests:
            return _verdict("IE", 0, 0, started, "no tests to judge", [])
        try:
            runner = self._acquire(request.limits)
        except (OSError, RunnerError) as err:
            return _verdict("IE", 0, total, started, f"could not start the sandbox: {err}", [])
        try:
            verdict = self._serve(runner, request, started)
        except RunnerError as err:
            runner.close()
            return _verdict("IE", 0, total, started, f"sandbox failure: {err}", [])
        except BaseException:
            runner.close()
            raise
        self._release(runner, request.limits)
        return verdict

    # Warm jails: a runner serves one program after another (every test still runs in a fresh fork, leftover
    # processes are killed and /tmp is emptied after each test), so the jail start-up is paid once per worker.
    def _acquire(self, limits: Limits):
        key = (limits.memory_mb, limits.processes)
        with self._idle_lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop()
        return self.launcher.start(limits.memory_mb, limits.processes, JAIL_LIFETIME_S)

    def _release(self, runner, limits: Limits) -> None:
        key = (limits.memory_mb, limits.processes)
        fresh = time.monotonic() - runner.started < JAIL_LIFETIME_S / 2
        retired = []
        with self._idle_lock:
            idle = self._idle.setdefault(key, [])
            if fresh and runner.process.poll() is None and len(idle) < self.workers and not self._closed:
                idle.append(runner)
                runner = None
                # Problems with many different limits must not pile up idle jails: keep 2 per worker at most.
                while sum(map(len, self._idle.values())) > 2 * self.workers:
                    other = max(self._idle, key=lambda k: len(self._idle[k]) - (k == key) * 1000)
                    retired.append(self._idle[other].pop(0))
        for old in retired + ([runner] if runner else []):
            old.close()

    def _serve(self, runner, request: JudgeRequest, started: float) -> dict[str, Any]:
        limits, total = request.limits, len(request.tests)
        loaded = runner.request({"op": "load", "program": request.program, "kind": request.kind,
                                 "entry_point": request.entry_point, "limits": limits.for_runner()}, 30.0)
        if not loaded.get("ok"):
            return _verdict(loaded.get("verdict", "IE"), 0, total, started, loaded.get("detail", ""), [])
        results, first_failure = [], None
        timeout = limits.wall_s + 15.0
        sent = 0
        ooms = runner.oom_kills()
        for index, test in enumerate(request.tests):
            while sent < total and sent < index + PIPELINE_DEPTH:  # keep the runner busy while we compare
                runner.send(_message_for(request.tests[sent], request))
                sent += 1
            outcome = runner.receive(timeout)
            if outcome.get("skipped"):
                continue
            now = runner.oom_kills()
            if ooms is not None and now is not None and now > ooms and outcome.get("signal") == signal.SIGKILL:
                outcome["oom_killed"] = True  # the jail's memory cgroup killed it, not a timer or the program
            ooms = now
            result = {"index": index, **classify(outcome, test, request)}
            results.append(result)
            if result["verdict"] != "AC" and first_failure is None:
                first_failure = index
                if request.stop_on_first_failure:
                    runner.send({"op": "abort"})
                    for _ in range(sent - index - 1):  # answers of tests already sent: skipped or ignored
                        runner.receive(timeout)
                    break
        passed = sum(r["verdict"] == "AC" for r in results)
        if first_failure is None:
            return _verdict("AC", passed, total, started, "", results)
        failed = results[first_failure]
        verdict = _verdict(failed["verdict"], passed, total, started, failed["detail"], results)
        if request.trace:
            outcome = runner.request(_message_for(request.tests[first_failure], request, request.trace), timeout)
            trace = outcome.get("trace") or {"events": [], "truncated": False}
            verdict["trace"] = {"test": first_failure, "granularity": request.trace, **trace}
        return verdict


def _verdict(name: str, passed: int, total: int, started: float, detail: str, tests: list) -> dict[str, Any]:
    assert name in VERDICTS, name
    return {"verdict": name, "passed": passed, "total": total, "time_s": round(time.monotonic() - started, 4),
            "cached": False, "detail": detail, "tests": tests, "trace": None}
