"""The Judge end to end (in nsjail): verdicts, stop at first failure, cache, traces, execute, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from mtcodegen import typed_json
from mtcodegen.jsonl import read_jsonl, write_jsonl
from mtcodegen.sandbox import UNJUDGEABLE, Judge, JudgeRequest, Limits

pytestmark = pytest.mark.nsjail

DOUBLE = "n = int(input())\nprint(n * 2)\n"
TESTS = [{"input": f"{i}\n", "output": f"{2 * i}\n"} for i in range(5)]


def call_test(args, expected, **extra):
    return {"args": typed_json.encode(args), "kwargs": typed_json.encode({}), "expected": typed_json.encode(expected),
            **extra}


def test_stdio_verdicts_and_fields(judge):
    wrong = [*TESTS[:2], {"input": "3\n", "output": "7\n"}, *TESTS[3:]]
    ok, wa, re_, ce = judge.run([
        JudgeRequest(program=DOUBLE, tests=TESTS),
        JudgeRequest(program=DOUBLE, tests=wrong),
        JudgeRequest(program="print(1 // 0)", tests=TESTS[:1]),
        JudgeRequest(program="print(", tests=TESTS[:1]),
    ])
    assert (ok["verdict"], ok["passed"], ok["total"]) == ("AC", 5, 5)
    assert set(ok["tests"][0]) >= {"index", "verdict", "time_s", "memory_kb", "stdout", "stderr", "detail"}
    assert ok["tests"][0]["memory_kb"] > 1000
    assert (wa["verdict"], wa["passed"], len(wa["tests"])) == ("WA", 4, 5)
    assert wa["tests"][2]["verdict"] == "WA" and "expected '7'" in wa["detail"]
    assert re_["verdict"] == "RE" and re_["detail"].startswith("ZeroDivisionError")
    assert "ZeroDivisionError" in re_["tests"][0]["stderr"]
    assert ce["verdict"] == "CE" and "SyntaxError" in ce["detail"] and ce["tests"] == []


def test_stop_on_first_failure(judge):
    tests = [TESTS[0], {"input": "1\n", "output": "0\n"}, *TESTS[2:]]
    full, stopped = judge.run([JudgeRequest(program=DOUBLE, tests=tests),
                               JudgeRequest(program=DOUBLE, tests=tests, stop_on_first_failure=True)])
    assert len(full["tests"]) == 5 and full["passed"] == 4
    assert stopped["verdict"] == "WA" and len(stopped["tests"]) == 2 and stopped["total"] == 5


def test_cache_judges_identical_requests_once(judge):
    request = JudgeRequest(program=DOUBLE + "# cache probe\n", tests=TESTS)
    first, second = judge.run([request]), judge.run([request])
    assert first[0]["cached"] is False and second[0]["cached"] is True
    assert {**second[0], "cached": False} == first[0]


def test_sub_second_time_limit(judge):
    (verdict,) = judge.run([JudgeRequest(program="while True: pass", tests=TESTS[:1], limits=Limits(time_s=0.3))])
    assert verdict["verdict"] == "TLE" and verdict["detail"].startswith("over 0.3s") and verdict["detail"].endswith("at line 1")
    assert verdict["tests"][0]["wall_s"] < 1.5  # killed by the runner's own timer (nsjail's are whole seconds)


def test_call_tests_kwargs_types_and_tolerance(judge):
    program = "def f(a, b=0):\n    return (a + b, [a / 3])\n"
    request = JudgeRequest(program=program, kind="call", entry_point="f", tests=[
        {"args": typed_json.encode([1]), "kwargs": typed_json.encode({"b": 2}), "expected": typed_json.encode((3, [1 / 3]))},
        call_test([1], (1, [0.3334]), tolerance=1e-3),
        call_test([1], [1, [1 / 3]]),  # a list is not a tuple
    ])
    (verdict,) = judge.run([request])
    assert [t["verdict"] for t in verdict["tests"]] == ["AC", "AC", "WA"]
    missing = judge.run([JudgeRequest(program="def g(): pass", kind="call", entry_point="f", tests=[call_test([], 1)])])
    assert missing[0]["verdict"] == "RE" and "no function named 'f'" in missing[0]["detail"]


def test_unjudgeable_problem_is_an_internal_error_not_wa(judge):
    (verdict,) = judge.run([JudgeRequest(program=DOUBLE, tests=TESTS, checker="unjudgeable")])
    assert verdict["verdict"] == "IE" and verdict["detail"] == UNJUDGEABLE


@pytest.mark.parametrize("granularity", ["line", "block", "function"])
def test_trace_of_first_failed_test(judge, granularity):
    program = "def double(n):\n    m = n * 2\n    if m > 4:\n        m += 1\n    return m\nprint(double(int(input())))\n"
    (verdict,) = judge.run([JudgeRequest(program=program, tests=TESTS, trace=granularity)])
    assert verdict["verdict"] == "WA"
    trace = verdict["trace"]
    assert trace["test"] == 3 and trace["granularity"] == granularity and trace["events"]
    if granularity == "function":
        assert {"event": "return", "function": "double", "line": 5, "value": "7", "locals": {"n": "3", "m": "7"},
                "index": 1} in trace["events"]
    elif granularity == "line":  # locals after the line ran (tests/sandbox/test_traces.py has the full traces)
        assert any(e["line"] == 4 and e["locals"] == {"n": "3", "m": "7"} for e in trace["events"])
    else:  # basic blocks: the body's first block ends at the `if` test, entered with n = 3
        assert any(e["lines"] == [2, 3] and e["locals"] == {"n": "3", "m": "6"} for e in trace["events"])
    if granularity == "block":  # straight-line code collapses: fewer events than per line
        line_count = judge.run([JudgeRequest(program=program, tests=TESTS, trace="line")])[0]["trace"]["events"]
        assert len(trace["events"]) < len(line_count)


def test_trace_is_capped(judge):
    (verdict,) = judge.run([JudgeRequest(program="while True:\n    x = 1\n", tests=TESTS[:1], trace="line",
                                         limits=Limits(time_s=0.5))])
    assert verdict["verdict"] == "TLE"
    assert verdict["trace"]["truncated"] is True and len(verdict["trace"]["events"]) == 200


def test_unsafe_local_is_selectable_for_trusted_code():
    with Judge(mode="unsafe_local", workers=1) as local:
        (verdict,) = local.run([JudgeRequest(program=DOUBLE, tests=TESTS)])
    assert verdict["verdict"] == "AC"


def _problem(**extra):
    return {"id": "toy/1", "kind": "stdio", "entry_point": None, "checker": "tokens", "time_limit_s": None,
            "memory_limit_mb": None, "public_tests": TESTS[:1], "private_tests": TESTS, **extra}


def test_execute_stage_on_synthetic_trajectories(tmp_path):
    from mtcodegen.cli import main

    problems, trajectories, out = tmp_path / "p.jsonl.gz", tmp_path / "t.jsonl.gz", tmp_path / "out.jsonl.gz"
    write_jsonl(problems, [_problem()])
    attempts = [{"turn": 1, "code": "print(0)", "public": {"verdict": "WA"}, "extra": "kept"},
                {"turn": 2, "code": None, "public": {"verdict": "CE"}},
                {"turn": 3, "code": DOUBLE, "public": {"verdict": "AC"}}]
    write_jsonl(trajectories, [{"problem_id": "toy/1", "sample": 0, "attempts": attempts, "messages": []},
                               {"problem_id": "toy/1", "sample": 1, "attempts": attempts[:1], "messages": []}])
    execution = {"sandbox": "nsjail", "time_limit_s": 2.0, "stop_private_at_first_failure": True, "workers": 2}
    code = main(["execute", "--trajectories", str(trajectories), "--problems", str(problems),
                 "--execution", json.dumps(execution), "--out", str(out)])
    assert code == 0
    first, second = list(read_jsonl(out))
    assert [a["private"]["verdict"] for a in first["attempts"]] == ["WA", "CE", "AC"]
    assert first["attempts"][0]["extra"] == "kept" and first["messages"] == []
    assert first["attempts"][0]["private"]["tests"] == first["attempts"][0]["private"]["tests"][:1]  # stopped, failed only
    assert first["attempts"][1]["private"]["detail"] == "no code"
    assert first["final"] == {"public_pass": True, "private_pass": True}
    assert second["final"] == {"public_pass": False, "private_pass": False}


def test_execute_rejects_unknown_problem(tmp_path, capsys):
    from mtcodegen.cli import main

    write_jsonl(tmp_path / "p.jsonl", [_problem()])
    write_jsonl(tmp_path / "t.jsonl", [{"problem_id": "toy/404", "attempts": []}])
    code = main(["execute", "--trajectories", str(tmp_path / "t.jsonl"), "--problems", str(tmp_path / "p.jsonl"),
                 "--execution", "{}", "--out", str(tmp_path / "o.jsonl")])
    assert code == 2 and "'toy/404', which is not in the problems file" in capsys.readouterr().err


def test_judge_cli_with_test_records_and_problem_file(tmp_path):
    (tmp_path / "prog.py").write_text(DOUBLE)
    write_jsonl(tmp_path / "tests.jsonl", TESTS)
    write_jsonl(tmp_path / "problems.jsonl", [_problem(), _problem(id="toy/2", private_tests=[{"input": "1", "output": "3"}])])
    base = [sys.executable, "-m", "mtcodegen.cli", "judge", "--program", str(tmp_path / "prog.py")]
    ok = subprocess.run(base + ["--tests", str(tmp_path / "tests.jsonl"), "--json"], capture_output=True, text=True)
    assert ok.returncode == 0 and json.loads(ok.stdout)["verdict"] == "AC"
    wa = subprocess.run(base + ["--tests", str(tmp_path / "problems.jsonl"), "--problem-id", "toy/2"],
                        capture_output=True, text=True)
    assert wa.returncode == 1 and wa.stdout.startswith("WA 0/1")
    ambiguous = subprocess.run(base + ["--tests", str(tmp_path / "problems.jsonl")], capture_output=True, text=True)
    assert ambiguous.returncode == 2 and "pick one with --problem-id" in ambiguous.stderr


def test_warm_jails_are_bounded_across_many_limits():
    with Judge(mode="nsjail", workers=1) as small:
        for memory in (128, 192, 256, 320):
            (verdict,) = small.run([JudgeRequest(program=DOUBLE, tests=TESTS[:1], limits=Limits(memory_mb=memory))])
            assert verdict["verdict"] == "AC"
        assert sum(map(len, small._idle.values())) <= 2


def test_stop_on_first_failure_cancels_the_pipelined_tests(judge):
    program = "import time\nn = int(input())\nif n:\n    time.sleep(1)\nprint(n * 2)\n"
    tests = [{"input": "0\n", "output": "1\n"}] + [{"input": "1\n", "output": "2\n"}] * 4
    started = time.monotonic()
    (verdict,) = judge.run([JudgeRequest(program=program, tests=tests, stop_on_first_failure=True)])
    assert verdict["verdict"] == "WA" and len(verdict["tests"]) == 1
    assert time.monotonic() - started < 2.5  # at most the one test already running, not all four sleeps


def test_large_input_and_output_near_the_cap(judge):
    big = "x" * (5 << 20)
    program = "import sys\ndata = sys.stdin.read()\nprint(len(data))\nprint('y' * (900 * 1024))\n"
    (verdict,) = judge.run([JudgeRequest(program=program, tests=[{"input": big, "output": f"{len(big)}\n" + "y" * (900 * 1024)}])])
    assert verdict["verdict"] == "AC", verdict["detail"]
    assert len(verdict["tests"][0]["stdout"]) <= 1024  # the verdict carries an excerpt, not the megabyte


def test_a_dead_sandbox_is_an_internal_error_and_the_judge_recovers():
    with Judge(mode="nsjail", workers=1) as own:
        slow = JudgeRequest(program="import time\ntime.sleep(3)\nprint(1)", tests=[{"input": "", "output": "1"}],
                            limits=Limits(time_s=5.0))
        own.run([JudgeRequest(program="print(1)", tests=[{"input": "", "output": "1"}], limits=Limits(time_s=5.0))])
        (runner,) = own._idle[(1024, 16)]

        def kill_soon():
            time.sleep(0.5)
            os.killpg(runner.process.pid, signal.SIGKILL)

        killer = threading.Thread(target=kill_soon)
        killer.start()
        (verdict,) = own.run([slow])
        killer.join()
        assert verdict["verdict"] == "IE" and "sandbox failure" in verdict["detail"]
        again = own.run([JudgeRequest(program="print(2)", tests=[{"input": "", "output": "2"}])])
        assert again[0]["verdict"] == "AC"
        assert own.run([slow])[0]["cached"] is False  # an IE is never cached


def test_a_test_tampering_with_its_stream_files_cannot_reach_the_next_test(judge):
    # The stream files live in the runner for its whole life (the forks share their offsets): a test that
    # appends to its stdin, moves its stdout's offset, grows stderr or sets O_APPEND must leave nothing behind
    # for the next test of the same program, or for the next program the warm jail serves.
    tamper = (
        "import os, fcntl\n"
        "data = input()\n"
        "os.write(0, b'\\n999 tampered stdin\\n')\n"
        "os.lseek(1, 4096, os.SEEK_SET)\n"
        "os.ftruncate(2, 1 << 16)\n"
        "fcntl.fcntl(1, fcntl.F_SETFL, os.O_APPEND)\n"
        "fcntl.fcntl(0, fcntl.F_SETFL, os.O_APPEND | os.O_NONBLOCK)\n"
        "os.lseek(0, 0, os.SEEK_END)\n"
        "print(int(data) * 2)\n"
    )
    tests = [{"input": f"{n}\n", "output": f"{2 * n}\n"} for n in range(1, 5)]
    (tampering,) = judge.run([JudgeRequest(program=tamper, tests=tests)])
    # each of its tests starts from clean files, so every one behaves as the first did
    assert len({(t["verdict"], t["stderr"]) for t in tampering["tests"]}) == 1, tampering["tests"]
    outputs = [t["stdout"] for t in tampering["tests"]]
    assert [out.lstrip("\x00") for out in outputs] == [f"{2 * n}\n" for n in range(1, 5)], outputs
    assert len({len(out) - len(str(2 * n)) for n, out in zip(range(1, 5), outputs)}) == 1, outputs
    echo = "import sys\nprint(repr(sys.stdin.read()))\n"
    clean = judge.run([JudgeRequest(program=echo, tests=[{"input": f"{n}\n", "output": repr(f"{n}\n")}])
                       for n in range(1, 9)])
    assert [v["verdict"] for v in clean] == ["AC"] * 8, [v["detail"] for v in clean]
    assert all(t["stderr"] == "" for v in clean for t in v["tests"])


def test_each_test_gets_its_own_random_seed(judge):
    # `random` is left out of the runner's warm imports (it would reseed in every fork); a program importing it
    # must still get a fresh seed per test, as a fresh interpreter would, not one state shared by all tests.
    program = "import random\nprint(random.getrandbits(64))\n"
    (verdict,) = judge.run([JudgeRequest(program=program, tests=[{"input": "", "output": "x"}] * 4)])
    values = [t["stdout"] for t in verdict["tests"]]
    assert all(v.strip().isdigit() for v in values), values
    assert len(set(values)) == 4, values
