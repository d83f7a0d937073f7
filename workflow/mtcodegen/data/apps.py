"""APPS as MapCoder's ``selected150.jsonl`` (id, name, description, difficulty, sample_io, test_list,
starter_code) -> call or stdio problems.

The file is APPS (``codeparrot/apps``) converted by MapCoder's ``convert-apps-xcode.py``: each test's input is
APPS' input as text -- for stdin problems the stdin itself, for call-based problems (a ``starter_code``
with a function) its arguments ``str()``-ed one per line -- and each output is APPS' output, wrapped in a
one-element list when it was not a list. So:

- stdio (no starter code): input = stdin; expected = the output text (a one-element list unwrapped, several
  lines joined with newlines); checker ``tokens`` (``unjudgeable`` when the statement asks for a special judge
  or interaction, statements.py).
- call: the entry point is the starter code's top-level function; each input line is one argument, read with
  ``ast.literal_eval`` and kept as text when it is not a literal (MapCoder wrote strings unquoted); a test
  whose line count is not the function's parameter count cannot be read back (a string argument with a
  newline, or optional parameters) and is left out, counted in ``tests_left_out``. Expected: the one-element
  list unwrapped; checker ``apps`` (APPS' grader's rule, which accepts the wrapped value too:
  sandbox/checkers.py). Known loss: a string argument that looks like a literal ("12", "True") is read as
  that literal -- the conversion erased the difference.
- ``class Solution`` starter code is skipped (the judge calls plain functions), as for TACO.

Public tests: ``sample_io`` (the examples MapCoder shows), else the first test; private: ``test_list``.
Difficulty: APPS' label (``introductory``, ``interview``, ``competition``). The file has 150 lines for 128
problems (22 repeated): the repeats are reported as duplicate ids by prepare.py. No reference solutions.
"""

from __future__ import annotations

import ast
from typing import Any

from .records import RowContext, SkipRow, call_test, flag_row, stdio_test
from .statements import unjudgeable_reason

DIFFICULTIES = ("introductory", "interview", "competition")


def entry_function(starter_code: str) -> tuple[str, int] | None:
    """(name, number of parameters) of the starter code's first top-level function; None without one."""
    try:
        module = ast.parse(starter_code.replace("\t", "    ") + "\n    pass\n")
    except SyntaxError:
        return None
    for node in module.body:
        if isinstance(node, ast.ClassDef):
            raise SkipRow("class-based entry point", f"starter code defines class {node.name}")
        if isinstance(node, ast.FunctionDef):
            args = node.args
            if args.vararg or args.kwarg or args.kwonlyargs or args.defaults:
                raise SkipRow("ambiguous call arguments",
                              f"{node.name} has optional or variadic parameters: one-argument-per-line is ambiguous")
            return node.name, len(args.posonlyargs) + len(args.args)
    return None


def _argument(line: str) -> Any:
    try:
        return ast.literal_eval(line)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return line


def _unwrap(output: Any) -> Any:
    return output[0] if isinstance(output, list) and len(output) == 1 else output


def _stdout(output: Any) -> str:
    if isinstance(output, list) and all(isinstance(o, str) for o in output):
        return "\n".join(output)
    if isinstance(output, str):
        return output
    raise SkipRow("bad test value", f"a stdio output is {type(output).__name__}, not text")


def _tests(entries: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(entries, list) or not all(isinstance(t, dict) and "input" in t and "output" in t
                                                for t in entries):
        raise SkipRow("bad tests", f"`{what}` is not a list of {{input, output}}")
    return entries


def normalize(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    pid = row.get("id")
    if pid is None:
        raise SkipRow("no id")
    difficulty = row.get("difficulty")
    if difficulty not in DIFFICULTIES:
        flag_row("unknown difficulty", f"{difficulty!r}")
        difficulty = None
    tests = _tests(row.get("test_list"), "test_list")
    samples = _tests(row.get("sample_io") or [], "sample_io")
    starter = row.get("starter_code") or ""
    function = entry_function(starter) if starter.strip() else None
    common = dict(source_id=str(pid), statement=row.get("description") or "", row=row, difficulty=difficulty,
                  name=row.get("name"))
    if function is None:
        def stdio(entries):
            return [stdio_test(t["input"], _stdout(t["output"])) for t in entries]

        private = stdio(tests)
        reason = unjudgeable_reason(common["statement"])  # a special judge or interaction, as for CodeContests
        return ctx.problem(kind="stdio", public_tests=stdio(samples) or private[:1], private_tests=private,
                           checker="unjudgeable" if reason else "tokens", unjudgeable_reason=reason, **common)
    name, arity = function
    left_out: dict[str, int] = {}

    def calls(entries):
        out = []
        for t in entries:
            if not isinstance(t["input"], str):
                raise SkipRow("bad test value", f"a call test's input is {type(t['input']).__name__}, not text")
            lines = t["input"].split("\n") if arity else []
            if len(lines) != arity:
                left_out["argument count"] = left_out.get("argument count", 0) + 1
                continue
            out.append(call_test([_argument(line) for line in lines], {}, _unwrap(t["output"])))
        return out

    private = calls(tests)
    public = calls(samples) or private[:1]
    if left_out:
        flag_row("tests left out", f"{sum(left_out.values())} tests whose input lines are not {arity} arguments")
    return ctx.problem(kind="call", entry_point=name, starter_code=starter, public_tests=public,
                       private_tests=private, checker="apps",
                       **({"tests_left_out": left_out} if left_out else {}), **common)
