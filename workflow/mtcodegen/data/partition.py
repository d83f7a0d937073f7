"""`mtcodegen partition`: carve one named part out of a problems file.

The order is sha256 of each problem id (stable, independent of file order and of how the split was
sorted), and the parts take consecutive counts in the order given: with ``{"train": 8, "eval": 12}``,
train is the first 8 problems in that order and eval the next 12. Parts are therefore disjoint, and
asking for more problems than the file holds is an error rather than a silently smaller part.
"""

from __future__ import annotations

import argparse
import hashlib
from typing import Any

from ..jsonl import read_jsonl, write_jsonl
from ..options import json_option
from ..problem_order import problem_order


def hash_order(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(problems, key=lambda p: (hashlib.sha256(p["id"].encode()).hexdigest(), p["id"]))


def select_part(problems: list[dict[str, Any]], parts: dict[str, int], part: str) -> list[dict[str, Any]]:
    """The problems of ``part``, sorted by id."""
    if part not in parts:
        raise ValueError(f"--part {part!r} is not one of the parts: {', '.join(parts)}")
    for name, count in parts.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"--parts: part {name!r} needs a positive integer count, got {count!r}")
    total = sum(parts.values())
    if total > len(problems):
        wanted = " + ".join(f"{n}={c}" for n, c in parts.items())
        raise ValueError(f"--parts asks for {total} problems ({wanted}) but the problems file holds only {len(problems)}")
    ids = [p["id"] for p in problems]
    if len(set(ids)) != len(ids):
        raise ValueError("the problems file has duplicate ids; parts would not be disjoint")
    start = 0
    for name, count in parts.items():
        if name == part:
            return sorted(hash_order(problems)[start:start + count], key=lambda p: problem_order(p["id"]))
        start += count
    raise AssertionError("unreachable")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", required=True, help="the problems file to partition")
    parser.add_argument("--parts", required=True, help='JSON object of part -> count, e.g. \'{"train": 8, "eval": 12}\'')
    parser.add_argument("--part", required=True, help="which part to write")
    parser.add_argument("--out", required=True, help="problems file of the part")


def run(args: argparse.Namespace) -> int:
    parts = json_option(args.parts, "--parts", what="a non-empty JSON object of part -> count")
    if not parts:
        raise ValueError("--parts: expected a non-empty JSON object of part -> count")
    selected = select_part(list(read_jsonl(args.problems)), parts, args.part)
    for problem in selected:
        problem["partition"] = {"part": args.part, "parts": parts}
    write_jsonl(args.out, selected)
    print(f"part {args.part!r}: {len(selected)} problems written to {args.out}")
    return 0
