"""Trusted reference check: does each problem's reference solution pass its own stored tests?

This is the data stage's self-test, not the judge of model output (that is mtcodegen.sandbox, with
isolation): reference solutions are dataset code, run here in plain subprocesses with a timeout. Call
tests compare with strict types (1 != 1.0 != True, tuple != list) and the test's ``tolerance`` for floats;
stdio tests compare whitespace-separated tokens (checker ``tokens``) or the exact text (``exact``).
Problems marked ``unjudgeable`` or without a reference solution are reported as not checked.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

from .. import typed_json
from ..jsonl import read_jsonl, write_json
from . import reference
from .compare import values_match


def outputs_match(got: str, expected: str, checker: str) -> bool:
    if checker == "exact":
        return got == expected
    return got.split() == expected.split()


def _stdio_failures(problem: dict, tests: list[dict], timeout_s: float) -> list[str]:
    failures = []
    for index, test in enumerate(tests):
        try:
            proc = subprocess.run([sys.executable, "-c", problem["reference_solution"]], input=test["input"],
                                  capture_output=True, text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            failures.append(f"test {index}: timed out after {timeout_s:g} s")
            continue
        if proc.returncode != 0:
            failures.append(f"test {index}: exit status {proc.returncode}: {proc.stderr.strip()[-200:]}")
        elif not outputs_match(proc.stdout, test["output"], problem["checker"]):
            failures.append(f"test {index}: wrong output {proc.stdout[:80]!r}, expected {test['output'][:80]!r}")
    return failures


def _call_failures(problem: dict, tests: list[dict], timeout_s: float) -> list[str]:
    calls = [(typed_json.decode(t["args"]), typed_json.decode(t["kwargs"])) for t in tests]
    try:
        results = reference.call_reference(problem["reference_solution"], problem["entry_point"], calls,
                                           timeout_s=timeout_s)
    except reference.ReferenceFailure as err:
        return [f"the reference failed: {err}"]
    failures = []
    for index, (test, got) in enumerate(zip(tests, results)):
        expected = typed_json.decode(test["expected"])
        if not values_match(got, expected, test.get("tolerance")):
            failures.append(f"test {index}: got {got!r:.80}, expected {expected!r:.80}")
    return failures


def verify_problem(problem: dict, timeout_s: float = 30.0) -> dict[str, Any]:
    """{"id", "status": "pass" | "fail" | "not_checked", "failures": [...]} over public + private tests."""
    if not problem.get("reference_solution"):
        return {"id": problem["id"], "status": "not_checked", "failures": ["no reference solution"]}
    if problem["checker"] == "unjudgeable":
        return {"id": problem["id"], "status": "not_checked", "failures": ["unjudgeable by output comparison"]}
    tests = problem["public_tests"] + problem["private_tests"]
    check = _call_failures if problem["kind"] == "call" else _stdio_failures
    failures = check(problem, tests, timeout_s)
    return {"id": problem["id"], "status": "fail" if failures else "pass", "failures": failures}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", required=True, help="a problems.jsonl(.gz) file")
    parser.add_argument("--out", help="write the per-problem results here (JSON)")
    parser.add_argument("--timeout-s", type=float, default=30.0, help="per problem (call) or per test (stdio)")


def run(args: argparse.Namespace) -> int:
    results = [verify_problem(p, args.timeout_s) for p in read_jsonl(args.problems)]
    for r in results:
        if r["status"] == "fail":
            print(f"FAIL {r['id']}: {r['failures'][0]}", file=sys.stderr)
    counts = {s: sum(r["status"] == s for r in results) for s in ("pass", "fail", "not_checked")}
    print(counts)
    if args.out:
        write_json(args.out, {"counts": counts, "problems": results})
    return 1 if counts["fail"] else 0
