"""The evalplus release files through our loader (mtcodegen.data.evalplus), checked against evalplus itself.

Truths: evalplus's own reader (``get_mbpp_plus``'s input types, ``trusted_exec``'s expected outputs) run on the
same release file in a separate process, and the release files' published counts (../shared/data/README.md).
"""

from __future__ import annotations

import gzip
import json
import math
import os
import subprocess
import sys
import textwrap

import pytest

from mtcodegen import typed_json
from mtcodegen.data import evalplus
from mtcodegen.data.records import RowContext

HUMANEVAL = "evalplus/HumanEvalPlus-v0.1.10.jsonl.gz"
MBPP = "evalplus/MbppPlus-v0.2.0.jsonl.gz"


def rows(shared_data, name):
    with gzip.open(shared_data / name, "rt") as lines:
        return [json.loads(line) for line in lines]


def normalize(row, **options):
    return evalplus.normalize(row, RowContext("d", "test", "evalplus", 0, options))


def test_release_files_have_their_published_sizes(shared_data):
    he, mbpp = rows(shared_data, HUMANEVAL), rows(shared_data, MBPP)
    assert (len(he), len(mbpp)) == (164, 378)
    assert sum(len(r["base_input"]) for r in he) == 1570 and sum(len(r["plus_input"]) for r in he) == 122683
    assert sum(len(r["base_input"]) for r in mbpp) == 1174 and sum(len(r["plus_input"]) for r in mbpp) == 39841
    assert sum(bool(r["atol"]) for r in he) == 3 and sum(bool(r["atol"]) for r in mbpp) == 13


def test_mbpp_input_types_are_evalplus_own(shared_data, tmp_path):
    """Every MBPP+ input, base and plus, gets exactly the argument types evalplus's reader gives it."""
    pytest.importorskip("evalplus")
    script = textwrap.dedent("""
        import json, sys
        from evalplus.data import get_mbpp_plus
        from mtcodegen import typed_json
        out = {t: typed_json.encode([p["base_input"], p["plus_input"]]) for t, p in get_mbpp_plus().items()}
        json.dump(out, open(sys.argv[1], "w"))
    """)
    out = tmp_path / "theirs.json"
    env = {**os.environ, "MBPP_OVERRIDE_PATH": str(shared_data / MBPP), "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(out)], env=env, check=True, cwd=tmp_path)
    theirs = {t: typed_json.decode(v) for t, v in json.loads(out.read_text()).items()}
    for row in rows(shared_data, MBPP):
        mine = [evalplus.call_inputs(row["task_id"], row[f], f) for f in ("base_input", "plus_input")]
        # evalplus's reader gives some inputs as tuples of arguments: compare the arguments, not the container.
        expected = [[list(i) for i in inputs] for inputs in theirs[row["task_id"]]]  # ({} -> no inputs)
        assert mine == expected, row["task_id"]
        assert repr(mine) == repr(expected), row["task_id"]  # same types too (tuple vs list, set vs dict)


@pytest.mark.parametrize("task", ["HumanEval/0", "HumanEval/2", "HumanEval/32", "Mbpp/2", "Mbpp/63", "Mbpp/124"])
def test_expected_outputs_are_evalplus_ground_truth(shared_data, tmp_path, task):
    """Expected outputs = evalplus's trusted_exec of prompt + canonical_solution, test by test, in order."""
    pytest.importorskip("evalplus")
    name, dataset = (HUMANEVAL, "humaneval") if task.startswith("HumanEval") else (MBPP, "mbpp")
    row = next(r for r in rows(shared_data, name) if r["task_id"] == task)
    problem = normalize(row)
    script = textwrap.dedent("""
        import json, sys
        from evalplus.data import get_human_eval_plus, get_mbpp_plus
        from evalplus.gen.util import trusted_exec
        from mtcodegen import typed_json
        task, dataset = sys.argv[2], sys.argv[3]
        p = (get_human_eval_plus() if dataset == "humaneval" else get_mbpp_plus())[task]
        code = p["prompt"] + p["canonical_solution"]
        out = trusted_exec(code, p["base_input"] + p["plus_input"], p["entry_point"])
        json.dump(typed_json.encode(out), open(sys.argv[1], "w"))
    """)
    out = tmp_path / "theirs.json"
    env = {**os.environ, "HUMANEVAL_OVERRIDE_PATH": str(shared_data / HUMANEVAL),
           "MBPP_OVERRIDE_PATH": str(shared_data / MBPP), "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(out), task, dataset], env=env, check=True, cwd=tmp_path)
    theirs = typed_json.decode(json.loads(out.read_text()))
    mine = [typed_json.decode(t["expected"]) for t in problem["private_tests"]]
    assert len(mine) == len(theirs) == len(row["base_input"]) + len(row["plus_input"])
    for got, want in zip(mine, theirs):
        if problem.get("evalplus_oracle") == "set(out) == set(expected)":  # order set by string hashing
            assert set(got) == set(want)
            continue
        assert repr(got) == repr(want) or (isinstance(want, float) and math.isnan(want) and math.isnan(got))
    assert problem["base_tests"] == len(row["base_input"]) and problem["plus_tests"] == len(row["plus_input"])
    assert [t["set"] for t in problem["private_tests"]] == ["base"] * problem["base_tests"] + ["plus"] * problem["plus_tests"]


def test_tolerances_follow_evalplus(shared_data):
    he = {r["task_id"]: r for r in rows(shared_data, HUMANEVAL)}
    with_atol = normalize(he["HumanEval/2"])  # atol 1e-6 in the file
    assert {t.get("tolerance") for t in with_atol["private_tests"]} == {1e-6}
    no_atol_floats = normalize(he["HumanEval/4"])  # mean_absolute_deviation: atol given
    assert all(t["tolerance"] == he["HumanEval/4"]["atol"] for t in no_atol_floats["private_tests"])
    ints = normalize(he["HumanEval/13"])  # greatest_common_divisor: ints, no atol -> exact
    assert all("tolerance" not in t for t in ints["private_tests"])
    assert evalplus.test_tolerance(0, 1.5) == 1e-6 and evalplus.test_tolerance(0, [1.0, 2.0]) == 1e-6
    assert evalplus.test_tolerance(0, [1, 2.0]) is None  # evalplus's is_floats: every element a float


def test_base_option_keeps_only_base_tests(shared_data):
    row = rows(shared_data, MBPP)[0]
    problem = normalize(row, tests="base")
    assert len(problem["private_tests"]) == problem["base_tests"] == len(row["base_input"])
    assert problem["plus_tests"] == 0


def test_statement_is_the_prompt_shown_once(shared_data):
    row = rows(shared_data, HUMANEVAL)[0]
    problem = normalize(row)
    assert problem["statement"] == row["prompt"] and problem["starter_code"] == ""
    assert problem["checker"] == "evalplus"
    # The docstring's two examples of has_close_elements are the public tests.
    assert len(problem["public_tests"]) == 2


def test_mbpp_public_test_is_the_first_base_input(shared_data):
    row = rows(shared_data, MBPP)[0]
    problem = normalize(row)
    first = problem["private_tests"][0]
    assert problem["public_tests"] == [{k: v for k, v in first.items() if k != "set"}]


def test_special_oracles_are_named(shared_data):
    named = {r["task_id"]: normalize(r).get("evalplus_oracle") for r in rows(shared_data, MBPP)[:5]}
    assert named["Mbpp/2"] == "set(out) == set(expected)"
    assert named["Mbpp/3"] is None


def test_bad_rows_are_skipped_with_the_reason():
    from mtcodegen.data.records import SkipRow

    good = {"task_id": "HumanEval/9", "prompt": "def f(x):\n", "entry_point": "f",
            "canonical_solution": "    return x\n", "base_input": [[1]], "plus_input": [], "atol": 0}
    for change, reason in [({"canonical_solution": ""}, "no reference solution"),
                           ({"base_input": []}, "no tests"),
                           ({"base_input": [1, 2]}, "bad tests"),
                           ({"task_id": "Other/1"}, "no id"),
                           ({"atol": -1}, "bad atol"),
                           ({"canonical_solution": "    raise ValueError('x')\n"}, "reference solution fails")]:
        with pytest.raises(SkipRow) as caught:
            normalize({**good, **change})
        assert caught.value.reason == reason, change


def test_oversized_expected_outputs_are_left_out_and_reported():
    row = {"task_id": "HumanEval/9", "prompt": "def f(n):\n", "entry_point": "f",
           "canonical_solution": "    return 'x' * n\n", "base_input": [[3], [2_000_000]], "plus_input": [[4]],
           "atol": 0}
    problem = normalize(row)
    assert [typed_json.decode(t["expected"]) for t in problem["private_tests"]] == ["xxx", "xxxx"]
    assert problem["base_tests"] == 1 and problem["plus_tests"] == 1
    assert list(problem["tests_left_out"]) == ["base:1"]


def test_results_json_cannot_hold_are_left_out_not_the_problem():
    # HumanEval/83 and /139 return integers of more than 4300 digits on some plus inputs: JSON refuses them.
    # Failed before the fix: the whole problem was skipped ("reference solution fails").
    row = {"task_id": "HumanEval/9", "prompt": "def f(n):\n", "entry_point": "f",
           "canonical_solution": "    return 10 ** n\n", "base_input": [[3]], "plus_input": [[5000], [4]], "atol": 0}
    problem = normalize(row)
    assert [typed_json.decode(t["expected"]) for t in problem["private_tests"]] == [1000, 10000]
    assert list(problem["tests_left_out"]) == ["plus:1"]
