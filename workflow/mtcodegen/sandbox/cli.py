"""`mtcodegen judge`: judge one program file on a tests file, print the verdict.

The tests file is JSON Lines (plain or .gz), either
- Test records (docs/contracts.md §1): stdio ``{"input", "output"}`` or call ``{"args", "kwargs", "expected"}``
  with typed_json values (``--kind`` is inferred from them; call tests need ``--entry-point``), or
- problems-file records (``mtcodegen prepare-data`` output): the problem's kind, entry point, checker and
  limits are used; ``--problem-id`` picks one when the file holds several, ``--tests-of`` which tests.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..jsonl import read_jsonl
from ..schema import default

WHICH = ("private", "public", "all")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--program", required=True, help="the program's source file")
    parser.add_argument("--tests", required=True, help="JSONL of Test records, or a problems file")
    parser.add_argument("--kind", choices=("stdio", "call"),
                        help="kind of plain Test records (default: call if they have 'args', else stdio)")
    parser.add_argument("--entry-point", help="function name, for call tests")
    parser.add_argument("--checker", choices=("tokens", "exact", "apps", "evalplus"),
                        help="output comparison (default tokens; apps, evalplus: call results)")
    parser.add_argument("--problem-id", help="which problem of a problems file")
    parser.add_argument("--tests-of", choices=WHICH, default="private", help="which tests of a problem record")
    parser.add_argument("--time-limit", type=float, help="seconds per test (default: the problem's, else the "
                                                        "config schema's execution.time_limit_s)")
    parser.add_argument("--memory-limit", type=int, help="MiB per test (default: the problem's, else the config "
                                                         "schema's execution.memory_limit_mb)")
    parser.add_argument("--sandbox", choices=("nsjail", "unsafe_local"), default=default("execution", "sandbox"),
                        help="unsafe_local runs WITHOUT isolation: trusted code only")
    parser.add_argument("--stop-on-first-failure", action="store_true")
    parser.add_argument("--trace", choices=("line", "block", "function"), help="trace the first failed test")
    parser.add_argument("--json", action="store_true", help="print the whole verdict as JSON")


def _request(args):
    from . import JudgeRequest, Limits

    program = Path(args.program)
    if not program.is_file():
        raise FileNotFoundError(f"--program: no such file: {program}")
    records = list(read_jsonl(args.tests)) if Path(args.tests).is_file() else None
    if records is None:
        raise FileNotFoundError(f"--tests: no such file: {args.tests}")
    if not records:
        raise ValueError(f"--tests: {args.tests} holds no records")
    execution = {}
    if args.time_limit:
        execution["time_limit_s"] = args.time_limit
    if args.memory_limit:
        execution["memory_limit_mb"] = args.memory_limit
    if "private_tests" in records[0]:  # a problems file
        if args.problem_id:
            matches = [r for r in records if r.get("id") == args.problem_id]
            if not matches:
                raise ValueError(f"--problem-id {args.problem_id!r} is not in {args.tests}")
            problem = matches[0]
        elif len(records) == 1:
            problem = records[0]
        else:
            raise ValueError(f"{args.tests} holds {len(records)} problems: pick one with --problem-id")
        tests = {"private": problem["private_tests"], "public": problem["public_tests"],
                 "all": problem["public_tests"] + problem["private_tests"]}[args.tests_of]
        own = dict(problem) if not args.time_limit else {**problem, "time_limit_s": None}
        return JudgeRequest(program=program.read_text(), kind=problem["kind"], entry_point=problem.get("entry_point"),
                            tests=tests, limits=Limits.from_execution_config(execution, own),
                            checker=args.checker or problem.get("checker") or "tokens",
                            stop_on_first_failure=args.stop_on_first_failure, trace=args.trace)
    kind = args.kind or ("call" if "args" in records[0] else "stdio")  # the records say which, unless told
    if kind == "call" and not args.entry_point:
        raise ValueError(f"{args.tests} holds call tests: name the function to call with --entry-point NAME")
    return JudgeRequest(program=program.read_text(), kind=kind, entry_point=args.entry_point,
                        tests=records, limits=Limits.from_execution_config(execution),
                        checker=args.checker or "tokens", stop_on_first_failure=args.stop_on_first_failure,
                        trace=args.trace)


def run(args) -> int:
    from . import Judge, SandboxUnavailable

    request = _request(args)
    try:
        judge = Judge(mode=args.sandbox, workers=1)
    except SandboxUnavailable as err:
        raise ValueError(f"the sandbox cannot run here: {err}") from None
    with judge:
        (verdict,) = judge.run([request])
    if args.json:
        json.dump(verdict, sys.stdout, indent=2)
        print()
    else:
        print(f"{verdict['verdict']} {verdict['passed']}/{verdict['total']} {verdict['detail']}".rstrip())
    return 0 if verdict["verdict"] == "AC" else 1
