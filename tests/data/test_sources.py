"""Each source format, loaded through Hugging Face `datasets` from files in the source's own schema."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mtcodegen import typed_json
from mtcodegen.data.verify import verify_problem

from .conftest import prepared


def by_id(problems):
    return {p["id"]: p for p in problems}


def test_code_contests_rows_and_skips(fixtures):
    problems, report = prepared("code_contests", {"files": {"test": str(fixtures / "code_contests.jsonl")}})
    got = by_id(problems)
    assert sorted(got) == ["d/1_A. Sum", "d/2_B. Any pair", "d/3_C. Guess"]
    total = got["d/1_A. Sum"]
    assert total["kind"] == "stdio" and total["checker"] == "tokens"
    assert total["public_tests"] == [{"input": "1 2\n", "output": "3\n"}]
    # generated tests join the private ones by default
    assert [t["input"] for t in total["private_tests"]] == ["5 7\n", "0 0\n", "10 -3\n"]
    assert (total["difficulty"], total["rating"], total["time_limit_s"], total["memory_limit_mb"]) == ("A", 800, 2.5, 256)
    assert total["tags"] == ["math"]
    assert total["reference_solution"].startswith("a, b = map(int")  # the PYTHON3 one, not PYTHON (2) or CPP
    assert got["d/2_B. Any pair"]["checker"] == "unjudgeable" and got["d/2_B. Any pair"]["rating"] is None
    assert got["d/3_C. Guess"]["checker"] == "unjudgeable"
    assert report["unjudgeable"] == 2
    assert report["skipped"] == {"bad difficulty": 1, "bad tests": 1, "empty statement": 1,
                                 "file input/output": 1, "no public tests": 1}
    assert {s["row"] for s in report["skipped_rows"]} == {
        "4_D. Empty statement", "5_E. No public tests", "6_F. Unequal tests", "7_G. Files", "8_H. Bad difficulty"}
    assert report["rows_read"] == report["problems"] + sum(report["skipped"].values())
    assert verify_problem(total)["status"] == "pass"


def test_code_contests_generated_tests_can_be_left_out(fixtures):
    problems, _ = prepared("code_contests", {"files": {"test": str(fixtures / "code_contests.jsonl")}},
                           options={"generated_tests": "ignore"})
    assert by_id(problems)["d/1_A. Sum"]["private_tests"] == [{"input": "5 7\n", "output": "12\n"}]
    with pytest.raises(ValueError, match="generated_tests"):
        prepared("code_contests", {"files": {"test": str(fixtures / "code_contests.jsonl")}},
                 options={"generated_tests": "public"})


def test_taco_stdio_and_call_rows(fixtures):
    problems, report = prepared("taco", {"files": {"test": str(fixtures / "taco.jsonl")}})
    got = by_id(problems)
    assert sorted(got) == ["d/test-00000", "d/test-00001", "d/test-00002"]
    double = got["d/test-00000"]
    assert double["kind"] == "stdio" and double["difficulty"] == "MEDIUM_HARD"
    assert double["public_tests"] == [{"input": "1\n", "output": "2\n"}]  # the first test is public...
    assert [t["input"] for t in double["private_tests"]] == ["2\n", "5\n"]  # ...and the rest private
    assert double["time_limit_s"] == 2.5 and double["memory_limit_mb"] == 256
    assert double["tags"] == ["Mathematics", "Data structures"]
    add = got["d/test-00001"]
    assert add["kind"] == "call" and add["entry_point"] == "add"
    # [3] is APPS' wrapping of the return value 3: the reference decides
    assert typed_json.decode(add["public_tests"][0]["expected"]) == 3
    wrap = got["d/test-00002"]
    assert typed_json.decode(wrap["private_tests"][0]["expected"]) == [6]  # here the list is the value
    assert wrap["difficulty"] is None
    assert report["skipped"] == {"bad input_output JSON": 1, "class-based entry point": 1,
                                 "empty statement": 1, "fewer than 2 tests": 1}
    for problem in problems:
        assert verify_problem(problem)["status"] == "pass", problem["id"]


def test_mbpp_static_recorded_tolerance_and_skips(fixtures):
    problems, report = prepared("mbpp", {"files": {"test": str(fixtures / "mbpp.jsonl")}})
    got = by_id(problems)
    assert sorted(got) == ["d/1", "d/2", "d/3", "d/7"]
    add = got["d/1"]
    assert add["entry_point"] == "add" and add["tests_from"] == "static"
    assert len(add["public_tests"]) == 1 and len(add["private_tests"]) == 3
    assert add["challenge_tests_unused"] == 1
    shared = got["d/2"]  # `set(f(...)) == set(...)`: not a literal comparison -> recorded from the reference
    assert shared["tests_from"] == "recorded"
    assert typed_json.decode(shared["private_tests"][0]["args"]) == [(3, 4, 5, 6), (5, 7, 4, 10)]
    assert set(typed_json.decode(shared["private_tests"][0]["expected"])) == {4, 5}
    area = got["d/3"]
    assert [t["tolerance"] for t in area["private_tests"]] == [1e-6, 1e-6]
    # `volume(2) == 8` with a reference returning 8.0: the reference's type is stored (the judge is strict)
    assert typed_json.decode(got["d/7"]["private_tests"][0]["expected"]) == 8.0
    assert isinstance(typed_json.decode(got["d/7"]["private_tests"][0]["expected"]), float)
    assert report["skipped"] == {"no tests": 1, "reference solution fails its check": 1, "unparsable asserts": 1}
    for problem in problems:
        assert verify_problem(problem)["status"] == "pass", problem["id"]


def test_parquet_gives_the_same_problems_as_jsonl(fixtures, tmp_path):
    rows = [json.loads(line) for line in (fixtures / "mbpp.jsonl").read_text().splitlines()]
    pd.DataFrame(rows).to_parquet(tmp_path / "mbpp.parquet")
    from_jsonl, _ = prepared("mbpp", {"files": {"test": str(fixtures / "mbpp.jsonl")}})
    from_parquet, _ = prepared("mbpp", {"files": {"test": str(tmp_path / "mbpp.parquet")}})
    assert [p["private_tests"] for p in from_parquet] == [p["private_tests"] for p in from_jsonl]


def test_sandboxfusion_code_contests_sample(shared_data):
    problems, report = prepared("sandboxfusion_code_contests",
                                {"files": {"test": str(shared_data / "code_contests_sample20.jsonl")}})
    assert len(problems) == 20 and report["skipped"] == {}
    for p in problems:
        assert p["public_tests"] and p["private_tests"], p["id"]
        # public tests are some of the (merged) tests, and private keeps them all
        assert all(t in p["private_tests"] for t in p["public_tests"])
    # numeric id order (d/2 before d/10), computed from the integers of the ids
    assert [p["id"] for p in problems] == sorted((p["id"] for p in problems), key=lambda i: int(i.split("/")[1]))
    # most public tests are the statement's own examples
    assert sum(p["public_from_examples"] for p in problems) >= 15
    assert report["unjudgeable"] == sum(p["checker"] == "unjudgeable" for p in problems) >= 1
    reasons = {p["unjudgeable_reason"] for p in problems if p["checker"] == "unjudgeable"}
    assert any(r.startswith("interactive") for r in reasons) and any(r.startswith("special judge") for r in reasons)


def test_sandboxfusion_mbpp_sample(shared_data):
    problems, report = prepared("sandboxfusion_mbpp", {"files": {"test": str(shared_data / "mbpp_sample20.jsonl")}})
    assert len(problems) == 20 and report["skipped"] == {}
    for p in problems:
        assert p["kind"] == "call" and p["entry_point"]
        assert len(p["public_tests"]) >= 1 and len(p["private_tests"]) >= 1
        assert verify_problem(p)["status"] == "pass", p["id"]


def test_limit_keeps_the_first_ids(shared_data):
    problems, report = prepared("sandboxfusion_mbpp", {"files": {"test": str(shared_data / "mbpp_sample20.jsonl")}},
                                limit=5)
    everything, _ = prepared("sandboxfusion_mbpp", {"files": {"test": str(shared_data / "mbpp_sample20.jsonl")}})
    assert [p["id"] for p in problems] == [p["id"] for p in everything[:5]]
    assert report["dropped_by_limit"] == 15


def test_missing_file_and_unknown_format_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        prepared("mbpp", {"files": {"test": str(tmp_path / "nope.jsonl")}})
    with pytest.raises(ValueError, match="unknown format 'mbbp'"):
        prepared("mbbp", {"files": {"test": "x.jsonl"}})
    with pytest.raises(ValueError, match="no file for split 'test'"):
        prepared("mbpp", {"files": {"train": "x.jsonl"}})


def test_humaneval_plus_checks_are_recorded_with_their_tolerance(fixtures):
    problems, report = prepared("humaneval_plus", {"files": {"test": str(fixtures / "humaneval_plus.jsonl")}})
    assert [p["id"] for p in problems] == ["d/HumanEval/900"]
    mean = problems[0]
    assert mean["tests_from"] == "recorded"  # EvalPlus' `for ...: assertion(candidate(*inp), exp, 0)` loop
    assert [typed_json.decode(t["args"]) for t in mean["private_tests"]] == [[[1.0, 2.0, 3.0]], [[0.5]], [[-1.0, 1.0]]]
    assert [t["tolerance"] for t in mean["private_tests"]] == [1e-6] * 3
    assert typed_json.decode(mean["public_tests"][0]["args"]) == [[1.0, 3.0]]  # the docstring example
    assert report["skipped"] == {"no tests": 1}
    assert verify_problem(mean)["status"] == "pass"


def test_hub_source_calls_load_dataset_with_id_name_revision_split(monkeypatch, fixtures):
    """The hub path (no network here): the exact load_dataset call, and its rows go through the normalizer."""
    import datasets

    rows = [json.loads(line) for line in (fixtures / "code_contests.jsonl").read_text().splitlines()]
    seen = []

    def fake_load_dataset(path, name=None, **kwargs):
        seen.append((path, name, kwargs))
        return rows

    monkeypatch.setattr(datasets, "load_dataset", fake_load_dataset)
    problems, report = prepared("code_contests",
                                {"hub": {"id": "deepmind/code_contests", "revision": "802411c", "name": "default"}})
    assert seen == [("deepmind/code_contests", "default", {"revision": "802411c", "split": "test"})]
    assert report["problems"] == 3 and report["rows_read"] == len(rows)
