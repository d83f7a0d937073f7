"""The jailed program sees the interpreter a contest judge runs (issue #14 items 7, 8): the builtins that plain
CPython's site module adds (exit, quit, help, ...) without site-packages, and a stated stack limit whose
consequences the verdict names."""

from __future__ import annotations

import pytest

from mtcodegen.sandbox import JudgeRequest, Limits

pytestmark = pytest.mark.nsjail

ANSWER = [{"input": "", "output": "42\n"}]


@pytest.mark.parametrize("program", [
    "print(42)\nexit()\n",
    "print(42)\nquit()\n",
    "print(42)\nexit(0)\n",
    "import sys\nprint(42)\nsys.stdout.flush()\nquit(None)\n",
    "def main():\n    print(42)\n    exit()\n    print('never')\nmain()\n",
])
def test_exit_and_quit_end_the_program_as_in_plain_cpython(judge, program):
    (verdict,) = judge.run([JudgeRequest(program=program, tests=ANSWER)])
    assert verdict["verdict"] == "AC", (verdict["detail"], verdict["tests"][0]["stderr"])


def test_exit_with_a_status_is_a_runtime_error_as_in_cpython(judge):
    three, text = judge.run([JudgeRequest(program="print(42)\nexit(3)\n", tests=ANSWER),
                             JudgeRequest(program="print(42)\nquit('bye')\n", tests=ANSWER)])
    assert (three["verdict"], three["detail"]) == ("RE", "exit status 3")
    assert (text["verdict"], text["detail"]) == ("RE", "exit status 1") and "bye" in text["tests"][0]["stderr"]


def test_site_builtins_exist_but_not_site_packages(judge):
    program = ("import sys\nprint(type(exit).__name__, type(quit).__name__, callable(help), 'copyright' in dir(__builtins__),"
               " any('site-packages' in p for p in sys.path))\n")
    (verdict,) = judge.run([JudgeRequest(program=program, tests=[{"input": "", "output": "Quitter Quitter True True False"}])])
    assert verdict["verdict"] == "AC", (verdict["detail"], verdict["tests"][0]["stdout"], verdict["tests"][0]["stderr"])


def test_exit_in_a_call_problem_is_still_no_return_value(judge):
    from mtcodegen import typed_json

    test = {"args": typed_json.encode([1]), "kwargs": typed_json.encode({}), "expected": typed_json.encode(1)}
    (verdict,) = judge.run([JudgeRequest(program="def f(x):\n    exit()\n", kind="call", entry_point="f", tests=[test])])
    assert verdict["verdict"] == "RE" and verdict["detail"].startswith("SystemExit")
