"""Partition: deterministic, disjoint, exact counts, clear errors."""

from __future__ import annotations

import json
import random

import pytest

from mtcodegen.cli import main
from mtcodegen.data.partition import select_part
from mtcodegen.jsonl import read_jsonl, write_jsonl

PARTS = {"train": 8, "eval": 12}


def problems(n=20):
    return [{"id": f"d/{i}", "statement": f"problem {i}"} for i in range(n)]


def test_parts_are_disjoint_exact_and_independent_of_file_order():
    items = problems(25)
    train, evaluation = select_part(items, PARTS, "train"), select_part(items, PARTS, "eval")
    assert (len(train), len(evaluation)) == (8, 12)
    assert not {p["id"] for p in train} & {p["id"] for p in evaluation}
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)
    assert select_part(shuffled, PARTS, "train") == train
    # numeric id order (d/3 before d/11), computed from the integers themselves
    assert [p["id"] for p in train] == sorted((p["id"] for p in train), key=lambda i: int(i.split("/")[1]))


def test_order_of_parts_decides_which_problems_go_where():
    items = problems(20)
    first = select_part(items, {"a": 5, "b": 5}, "a")
    assert select_part(items, {"b": 5, "a": 5}, "b") == first  # the first 5 in hash order, whatever the name


def test_too_many_problems_requested():
    with pytest.raises(ValueError, match=r"asks for 30 problems \(train=18 \+ eval=12\) but the problems file holds only 20"):
        select_part(problems(20), {"train": 18, "eval": 12}, "eval")


def test_unknown_part_and_bad_counts():
    with pytest.raises(ValueError, match="'test' is not one of the parts"):
        select_part(problems(), PARTS, "test")
    with pytest.raises(ValueError, match="positive integer"):
        select_part(problems(), {"train": 0}, "train")


def test_cli_writes_the_part_and_reports_errors(tmp_path, capsys):
    source = tmp_path / "p.jsonl.gz"
    write_jsonl(source, problems(20))
    out = tmp_path / "train.jsonl.gz"
    assert main(["partition", "--problems", str(source), "--parts", json.dumps(PARTS), "--part", "train",
                 "--out", str(out)]) == 0
    written = list(read_jsonl(out))
    assert [p["id"] for p in written] == [p["id"] for p in select_part(problems(20), PARTS, "train")]
    assert written[0]["partition"] == {"part": "train", "parts": PARTS}
    assert main(["partition", "--problems", str(source), "--parts", "{bad", "--part", "train",
                 "--out", str(out)]) == 2
    assert "--parts is not valid JSON" in capsys.readouterr().err
