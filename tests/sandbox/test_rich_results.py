"""Return values that are not plain data but that the benchmarks' own checks accept (found by the full MBPP+
agreement run against evalplus, BENCHMARKS.md): a `collections.Counter` where a dict is expected (Mbpp/88),
and a `re.Match` under evalplus's not-None oracle (Mbpp/737, 787, 794). The truth each case is checked
against is Python's own `==` (what MBPP's asserts and evalplus compute) and evalplus's oracle as written in
evalplus/eval/__init__.py; a program's own methods must still never decide what is sent out of the jail.
"""

from __future__ import annotations

import collections
import re

import pytest

from mtcodegen import typed_json
from mtcodegen.sandbox import Judge, JudgeRequest, Limits, SandboxUnavailable

pytestmark = pytest.mark.nsjail
LIMITS = Limits(time_s=1.0, memory_mb=256, output_kb=1024, processes=16)
COUNTS = {"a": 2, "b": 1}


def call_test(expected, oracle=None, args=("aab",)):
    test = {"args": typed_json.encode(list(args)), "kwargs": typed_json.encode({}), "expected": typed_json.encode(expected)}
    return test | ({"oracle": oracle} if oracle else {})


CASES = {  # name: (program, tests, checker, verdict)
    "counter": ("import collections\ndef f(s):\n    return collections.Counter(s)", [call_test(COUNTS)], "exact", "AC"),
    "ordered_dict": ("import collections\ndef f(s):\n    return collections.OrderedDict(collections.Counter(s))",
                     [call_test(COUNTS)], "exact", "AC"),
    "defaultdict": ("import collections\ndef f(s):\n    d = collections.defaultdict(int)\n    for c in s:\n"
                    "        d[c] += 1\n    return d", [call_test(COUNTS)], "exact", "AC"),
    "counter_wrong": ("import collections\ndef f(s):\n    return collections.Counter(s + 'b')", [call_test(COUNTS)],
                      "exact", "WA"),
    # A dict subclass of the program's own stays refused: its __eq__ would decide.
    "own_dict_subclass": ("class Liar(dict):\n    def __eq__(self, other):\n        return True\n"
                          "def f(s):\n    return Liar()", [call_test(COUNTS)], "exact", "WA"),
    # Patching Counter's methods does not change what is sent: dict's own items() reads the real contents.
    "patched_counter_items": ("import collections\ncollections.Counter.items = lambda self: iter([('a', 2), ('b', 1)])\n"
                              "collections.Counter.keys = lambda self: iter(['a', 'b'])\n"
                              "def f(s):\n    return collections.Counter()", [call_test(COUNTS)], "exact", "WA"),
    "match_not_none": ("import re\ndef f(s):\n    return re.search('a+', s)",
                       [call_test(True, "not_none"), call_test(False, "not_none", ("xyz",))], "evalplus", "AC"),
    "match_where_none_expected": ("import re\ndef f(s):\n    return re.search('.', s)",
                                  [call_test(False, "not_none", ("xyz",))], "evalplus", "WA"),
    "bool_under_not_none": ("def f(s):\n    return 'a' in s", [call_test(True, "not_none"),
                                                                call_test(False, "not_none", ("xyz",))], "evalplus", "AC"),
}


def test_the_cases_truth_is_pythons_own():
    assert collections.Counter("aab") == COUNTS and collections.OrderedDict(collections.Counter("aab")) == COUNTS
    assert collections.Counter("aabb") != COUNTS
    # evalplus's not-None oracle: a bool is compared as it is, anything else by whether it is None.
    oracle = lambda out, exp: out == exp if isinstance(out, bool) else exp == (out is not None)  # noqa: E731
    assert oracle(re.search("a+", "aab"), True) and oracle(re.search("a+", "xyz"), False)
    assert not oracle(re.search(".", "xyz"), False) and oracle(True, True) and oracle(False, False)


@pytest.fixture(scope="module")
def verdicts(request):
    requests = [JudgeRequest(program=p, kind="call", entry_point="f", tests=t, limits=LIMITS, checker=c)
                for p, t, c, _ in CASES.values()]
    try:
        with Judge(mode="nsjail", workers=1) as judge:
            return dict(zip(CASES, judge.run(requests)))
    except SandboxUnavailable as err:
        request.getfixturevalue("sandbox_unavailable")(err)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rich_result_gets_the_benchmarks_verdict(verdicts, name):
    verdict = verdicts[name]
    assert verdict["verdict"] == CASES[name][3], (name, verdict["detail"])


def test_a_refused_result_says_why(verdicts):
    assert verdicts["own_dict_subclass"]["detail"] == "returned a Liar, not plain data"
