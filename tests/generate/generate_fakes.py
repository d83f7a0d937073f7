"""Test doubles for the generate stage: Problem records and a fake public judge (no sandbox needed).

The fake judge reads a marker in the program instead of running it: a program containing ``PASS`` passes
every public test, one containing ``PASS_FIRST`` passes only the first test, anything else fails them all
with a wrong answer. It records every batch it was given, like ScriptedBackend does.
"""

from __future__ import annotations

from mtcodegen import typed_json


def stdio_problem(pid: str, tests: int = 2, **extra) -> dict:
    public = [{"input": f"{i} {i}\n", "output": f"{2 * i}\n"} for i in range(1, tests + 1)]
    return {
        "id": pid, "dataset": "toy", "split": "test", "source_format": "toy",
        "statement": f"Problem {pid}: read two integers and print their sum.", "kind": "stdio",
        "entry_point": None, "starter_code": "", "public_tests": public, "private_tests": public,
        "difficulty": None, "rating": None, "time_limit_s": None, "memory_limit_mb": None, "tags": [],
        "checker": "tokens", "reference_solution": None, "source_hash": "0" * 64, **extra,
    }


def call_problem(pid: str) -> dict:
    test = {"args": typed_json.encode([2, 3]), "kwargs": {"__dict__": []}, "expected": typed_json.encode((5, {1})),}
    return stdio_problem(pid) | {"kind": "call", "entry_point": "add", "public_tests": [test],
                                 "private_tests": [test], "statement": "Write a function to add two numbers."}


class FakeJudge:
    def __init__(self):
        self.batches: list[list] = []

    def __call__(self, checks):
        self.batches.append(list(checks))
        return [self.verdict(c) for c in checks]

    @staticmethod
    def verdict(check) -> dict:
        n = len(check.problem["public_tests"])
        if "PASS" in check.program and "PASS_FIRST" not in check.program:
            ok = n
        elif "PASS_FIRST" in check.program:
            ok = 1
        else:
            ok = 0
        tests = [{"index": i, "verdict": "AC" if i < ok else "WA", "time_s": 0.01, "memory_kb": 1,
                  "stdout": "" if i < ok else f"wrong{i}\n", "stderr": "", "got": f"'wrong{i}'", "detail": ""}
                 for i in range(n)]
        trace = None
        if check.trace and ok < n:
            trace = {"test": ok, "granularity": check.trace, "truncated": False,
                     "events": [{"line": 1, "locals": {"a": "1", "b": "1"}}, {"line": 2, "locals": {"s": "11"}}]}
        return {"verdict": "AC" if ok == n else "WA", "passed": ok, "total": n, "time_s": 0.02, "cached": False,
                "detail": "" if ok == n else "wrong answer", "tests": tests, "trace": trace}
