"""The benchmarks of ../shared/data through their loaders, on the real files (counts from the files' own
documentation: ../shared/data/README.md and MBPP's published split ranges)."""

from __future__ import annotations

from collections import Counter

import pytest

from mtcodegen import typed_json

from .conftest import prepared


def mbpp_split(shared_data, split):
    return prepared("mbpp", {"files": {split: str(shared_data / "mbpp/mbpp.jsonl")}}, dataset="mbpp", split=split,
                    options={"split_by": "task_id"})


@pytest.mark.parametrize("split,first,last", [("test", 11, 510), ("validation", 511, 600), ("train", 601, 974)])
def test_mbpp_official_splits(shared_data, split, first, last):
    problems, report = mbpp_split(shared_data, split)
    ids = {int(p["id"].split("/")[1]) for p in problems}
    in_range = set(range(first, last + 1))
    assert ids <= in_range  # no task of another split
    assert report["rows_read"] == 974
    assert report["skipped"]["other split"] == 974 - len(in_range)
    # A task of the range that is not a problem is reported with its own reason (e.g. Mbpp/367: its tree
    # class lives in test code the file does not have), never silently lost.
    reported = {int(r["row"]) for r in report["skipped_rows"] if r["reason"] != "other split"}
    assert in_range - ids == reported
    assert len(ids) >= 0.98 * len(in_range)


def test_mbpp_split_by_task_id_refuses_an_unknown_split(shared_data):
    with pytest.raises(ValueError, match="split 'dev' is not one of"):
        mbpp_split(shared_data, "dev")


def test_code_contests_whole_test_split(shared_data):
    source = {"files": {"test": str(shared_data / "code_contests/code_contests_test_public_private.jsonl")}}
    problems, report = prepared("code_contests", source, dataset="cc")
    assert report["rows_read"] == 165
    assert report["skipped"] == {"no private tests": 44} and len(problems) == 121
    assert report["tests"]["private"] == 1552
    assert not any(p["generated_tests_available"] for p in problems)  # the weaker judge is said in each problem
    everything, report = prepared("code_contests", source, dataset="cc", options={"no_private_tests": "public"})
    assert len(everything) == 165 and report["skipped"] == {}
    assert sum(p.get("private_from_public", False) for p in everything) == 44
    assert report["tests"]["public"] == 285  # the README's count of public tests
    judged_on_public = [p for p in everything if p.get("private_from_public")]
    assert all(p["private_tests"] == p["public_tests"] for p in judged_on_public)


def test_apps_selected150(shared_data):
    problems, report = prepared("apps", {"files": {"test": str(shared_data / "apps/apps_selected150.jsonl")}},
                                dataset="apps")
    assert report["rows_read"] == 150
    assert report["skipped"] == {"duplicate id": 22, "ambiguous call arguments": 1}  # 128 distinct problems
    assert len(problems) == 127
    assert set(Counter(p["difficulty"] for p in problems)) == {"introductory", "interview", "competition"}
    by_id = {p["id"]: p for p in problems}
    cipher = by_id["apps/3613"]  # is_substitution_cipher(s1, s2): unquoted strings, output [True]
    assert cipher["kind"] == "call" and cipher["entry_point"] == "is_substitution_cipher"
    first = cipher["private_tests"][0]
    assert typed_json.decode(first["args"]) == ["aacb", "aabc"] and typed_json.decode(first["expected"]) is True
    battle = by_id["apps/3478"]  # list arguments are read back as lists, the dict output unwrapped
    test = battle["private_tests"][0]
    assert typed_json.decode(test["args"]) == [[[2, 3], [1, 4]], [[3, 3], [4, 1]]]
    assert typed_json.decode(test["expected"]) == {"player1": [], "player2": [[3, 3]]}
    stdio = [p for p in problems if p["kind"] == "stdio"]
    assert stdio and all(p["checker"] in ("tokens", "unjudgeable") for p in stdio)
    assert all(isinstance(t["output"], str) for p in stdio for t in p["private_tests"])
