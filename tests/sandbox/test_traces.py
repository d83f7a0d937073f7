"""LDB traces from the jail (issue #12 item 13), against traces worked out by hand from each program's
control-flow graph: basic blocks (a loop guard is a block of its own, an `if` test ends its block, a branch
target and a join point start one), the variables at the END of each block including the last, first and last
blocks kept when the run is long, and function level without empty events for a plain script."""

from __future__ import annotations

import pytest

from mtcodegen import typed_json
from mtcodegen.sandbox import JudgeRequest, Limits

pytestmark = pytest.mark.nsjail

SUM = "n = int(input())\ntotal = 0\nfor i in range(n):\n    total += i\nans = total * 2\nprint(ans)\n"
WRONG = [{"input": "4\n", "output": "13\n"}]  # the program prints 12: the first test fails and is traced


def _trace(judge, program, granularity, tests=WRONG, **request):
    (verdict,) = judge.run([JudgeRequest(program=program, tests=tests, trace=granularity, **request)])
    assert verdict["verdict"] != "AC"
    return verdict["trace"]


def test_block_trace_is_basic_blocks_with_the_values_at_their_end(judge):
    trace = _trace(judge, SUM, "block")
    # By hand: [1-2] straight line; [3] the loop guard, entered 5 times (4 iterations + the exit); [4] the body;
    # [5-6] the join after the loop.
    assert [e["lines"] for e in trace["events"]] == [[1, 2]] + [[3], [4]] * 4 + [[3], [5, 6]]
    totals = [e["locals"].get("total") for e in trace["events"]]
    assert totals == ["0", "0", "0", "0", "1", "1", "3", "3", "6", "6", "6"]
    assert [e["locals"].get("i") for e in trace["events"][1:10:2]] == ["0", "1", "2", "3", "3"]
    # The last block ends with the program: its values are the final ones (the missing `ans = 12`).
    assert trace["events"][-1]["locals"] == {"n": "4", "total": "6", "i": "3", "ans": "12"}
    assert trace["events"][-1]["code"] == ["ans = total * 2", "print(ans)"]
    assert trace["truncated"] is False and trace["total"] == 11


def test_block_trace_of_branches_and_functions(judge):
    program = ("def sign(x):\n"          # 1
               "    y = x * 2\n"         # 2
               "    if y > 0:\n"         # 3  the test ends the block
               "        s = 'pos'\n"     # 4
               "    else:\n"             # 5
               "        s = 'neg'\n"     # 6
               "    return s\n"          # 7  the join
               "print(sign(int(input())))\n")
    trace = _trace(judge, program, "block", tests=[{"input": "-3\n", "output": "pos\n"}])
    inside = [e for e in trace["events"] if e["function"] == "sign"]
    assert [e["lines"] for e in inside] == [[2, 3], [6], [7]]
    assert [e["locals"] for e in inside] == [{"x": "-3", "y": "-6"}, {"x": "-3", "y": "-6", "s": "'neg'"},
                                             {"x": "-3", "y": "-6", "s": "'neg'"}]
    assert inside[-1]["returns"] == "'neg'"
    module = [e for e in trace["events"] if e["function"] == "<module>"]
    assert [e["lines"] for e in module] == [[1, 8]] and module[0]["locals"] == {}  # functions are not values


def test_line_trace_gives_the_state_after_each_line(judge):
    trace = _trace(judge, SUM, "line")
    assert [e["lines"] for e in trace["events"]] == [[1], [2]] + [[3], [4]] * 4 + [[3], [5], [6]]
    assert trace["events"][0]["locals"] == {"n": "4"}  # after `n = int(input())`, not before it
    assert trace["events"][-2]["locals"]["ans"] == "12" and trace["events"][-1]["code"] == ["print(ans)"]


def test_function_trace_of_a_plain_script_has_no_empty_events(judge):
    trace = _trace(judge, SUM, "function")
    assert trace["events"] == [{"event": "end", "function": "<module>", "line": 6, "index": 0,
                                "locals": {"n": "4", "total": "6", "i": "3", "ans": "12"}}]


def test_function_trace_gives_arguments_and_returns(judge):
    program = "def double(n):\n    m = n * 2\n    return m + 1\nprint(double(int(input())))\n"
    trace = _trace(judge, program, "function", tests=[{"input": "3\n", "output": "6\n"}])
    calls = [e for e in trace["events"] if e["event"] in ("call", "return")]
    assert [(e["event"], e["function"], e.get("locals"), e.get("value")) for e in calls] == [
        ("call", "double", {"n": "3"}, None), ("return", "double", {"n": "3", "m": "6"}, "7")]


def test_call_problems_trace_the_entry_function_not_the_module(judge):
    program = "import math\n\ndef f(a):\n    b = a + 1\n    return b\n"
    test = {"args": typed_json.encode([1]), "kwargs": typed_json.encode({}), "expected": typed_json.encode(3)}
    trace = _trace(judge, program, "block", tests=[test], kind="call", entry_point="f")
    assert trace["events"] == [{"function": "f", "line": 4, "lines": [4, 5], "index": 0,
                                "code": ["    b = a + 1", "    return b"], "locals": {"a": "1", "b": "2"},
                                "returns": "2"}]


def test_a_long_run_keeps_the_first_and_the_last_blocks(judge):
    program = "s = 0\nfor i in range(1000):\n    s += i\nans = s * 2\nprint(ans)\n"
    trace = _trace(judge, program, "block", tests=[{"input": "", "output": "0\n"}])
    # By hand: [1] once, the guard [2] 1001 times, the body [3] 1000 times, [4-5] once.
    assert trace["total"] == 2003 and trace["truncated"] is True
    assert len(trace["events"]) == 200 and trace["omitted"] == 1803
    assert trace["events"][0]["lines"] == [1] and trace["events"][99]["index"] == 99
    assert trace["events"][100]["index"] == 1903
    assert trace["events"][-1]["lines"] == [4, 5] and trace["events"][-1]["locals"]["ans"] == "999000"
    assert trace["events"][-2]["locals"] == {"s": "499500", "i": "999"}  # the guard's exhausted last visit


def test_an_endless_loop_is_traced_until_its_time_is_nearly_up(judge):
    trace = _trace(judge, "x = 0\nwhile True:\n    x += 1\n", "block", tests=[{"input": "", "output": ""}],
                   limits=Limits(time_s=0.5))
    assert trace["stopped"] == "time" and trace["truncated"] is True and len(trace["events"]) == 200
    assert trace["events"][-1]["index"] == trace["total"] - 1 > 1000  # the latest blocks, not the first 200
