"""The jailed program sees the interpreter a contest judge runs (issue #14 items 7, 8): the builtins that plain
CPython's site module adds (exit, quit, help, ...) without site-packages, and a stated stack limit whose
consequences the verdict names."""

from __future__ import annotations

import re

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


# --- #14.8: the stack a judge gives, and verdicts that say what happened ------------------------------------

def test_the_stack_limit_is_256_mib_as_on_codeforces(judge):
    program = "import resource\nprint(resource.getrlimit(resource.RLIMIT_STACK)[0] >> 20)\n"
    big, small = judge.run([
        JudgeRequest(program=program, tests=[{"input": "", "output": "256"}], limits=Limits(memory_mb=1024)),
        JudgeRequest(program=program, tests=[{"input": "", "output": "128"}], limits=Limits(memory_mb=128)),
    ])
    assert big["verdict"] == "AC", big["tests"][0]["stdout"]  # 256 MiB, whatever the memory limit above it
    assert small["verdict"] == "AC", small["tests"][0]["stdout"]  # never more than the memory limit


def test_unbounded_recursion_ends_in_a_recursion_error_at_the_stack_limit(judge):
    # sys.setrecursionlimit(10**8): CPython 3.11 would grow Python frames on the heap for seconds (then run out
    # of memory and unwind millions of frames): a bare TLE. With a 256 MiB stack at 1 KiB a call, the judge
    # allows 262,144 calls and the recursion ends in RecursionError, saying so.
    program = "import sys\nsys.setrecursionlimit(10**8)\ndef f(n):\n    return f(n + 1)\nf(0)\n"
    (verdict,) = judge.run([JudgeRequest(program=program, tests=ANSWER, limits=Limits(time_s=2.0))])
    assert verdict["verdict"] == "RE", verdict["detail"]
    assert verdict["detail"] == ("RecursionError: maximum recursion depth exceeded (sys.setrecursionlimit is "
                                 f"capped at {(256 << 20) // 1024:,} here: a 256 MiB stack)")


def test_recursion_within_the_cap_runs(judge):
    program = ("import sys\nsys.setrecursionlimit(10**6)\ndef depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\n"
               "print(depth(200000))\n")  # a DFS over 2 x 10^5 nodes, as contest solutions do
    (verdict,) = judge.run([JudgeRequest(program=program, tests=[{"input": "", "output": "200000"}],
                                         limits=Limits(time_s=3.0))])
    assert verdict["verdict"] == "AC", (verdict["detail"], verdict["tests"][0]["stderr"][-300:])


def test_a_deep_recursion_out_of_time_says_how_deep(judge):
    # Slow calls (~30 us each): the time runs out long before the depth cap (262,144); the TLE says how deep.
    program = ("import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    s = sum(range(3000))\n    return f(n + 1)\n"
               "f(0)\n")
    (verdict,) = judge.run([JudgeRequest(program=program, tests=ANSWER, limits=Limits(time_s=1.0))])
    assert verdict["verdict"] == "TLE", verdict["detail"]
    assert re.search(r"over 1s.*: (more than )?[\d,]+ calls deep in f \(line [345]\) when its time ran out \(deep recursion\)",
                     verdict["detail"]), verdict["detail"]


def test_an_endless_loop_says_where_it_was(judge):
    program = "x = 0\nwhile True:\n    x += 1\n"
    (verdict,) = judge.run([JudgeRequest(program=program, tests=ANSWER, limits=Limits(time_s=0.5))])
    assert verdict["verdict"] == "TLE" and re.fullmatch(r"over 0\.5s.*, at line [23]", verdict["detail"]), verdict["detail"]


def test_a_program_waiting_without_computing_is_told_so(judge):
    (verdict,) = judge.run([JudgeRequest(program="import time\ntime.sleep(60)\n", tests=ANSWER,
                                         limits=Limits(time_s=0.5))])
    assert verdict["verdict"] == "TLE" and "waiting" in verdict["detail"] and verdict["detail"].endswith("at line 2")


def test_deep_recursion_inside_a_builtin_names_the_stack(judge):
    # repr of a 10^6-deep list recurses in C (the stack, not Python frames; plain CPython's 8 MiB stack overflows
    # after ~1 s): with 256 MiB it runs out of time first (its recursion guard makes it quadratic).
    program = "import sys\nsys.setrecursionlimit(10**8)\nx = []\nfor _ in range(10**6):\n    x = [x]\nprint(len(repr(x)))\n"
    # 3 s: building the list and descending into it must be over before the time is, even on a loaded machine.
    (verdict,) = judge.run([JudgeRequest(program=program, tests=ANSWER, limits=Limits(time_s=3.0))])
    detail = verdict["detail"]
    # Where it was (the handler runs when the builtin lets it), else that it was inside a builtin, with its stack.
    assert verdict["verdict"] == "TLE" and (detail.endswith("at line 6") or "inside a builtin call" in detail
                                            and "of stack in use (limit 256 MiB)" in detail), detail
