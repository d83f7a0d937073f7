"""`mtcodegen rft-problems`: the RFT generator's problems, decontaminated before anything is generated.

rft_data removes a kept trajectory whose problem statement is close to an evaluation problem's (cosine
≥ ``decontamination_threshold`` of MiniLM embeddings, decontaminate.py). That test depends on the problem
only, so running it first spends no generation on problems whose trajectories would all be removed. It
matters on MBPP: its statements are one sentence ("Write a function to ..."), and 168 of the 372 usable
train tasks lie ≥ 0.8 from some MBPP test statement (docs/rft.md), so a generator on the first 20 train
tasks lost most of its successes to this test after generating them. rft_data still runs every test
(statement, code copy, cross-testing) on what comes back.

Output directory: problems.jsonl.gz (the kept problems, in the input's order), removed.jsonl (one record per
removed problem: ``problem_id``, ``reason: eval_statement_similar``, ``eval_id``, ``similarity``), report.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, write_json, write_jsonl
from ..options import json_option
from .cli import add_eval_argument
from .decontaminate import similar_statements


def decontaminate_problems(
    train: list[dict[str, Any]], evaluation: list[dict[str, Any]], threshold: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept training problems in their order, removal records): a training problem goes when its statement is
    ≥ ``threshold`` from some evaluation statement (its closest one is the evidence)."""
    ids = [p["id"] for p in train]
    if len(set(ids)) != len(ids):
        raise ValueError("the training problems file has repeated ids")
    matches = similar_statements(
        {p["id"]: p["statement"] for p in train}, {p["id"]: p["statement"] for p in evaluation}, threshold
    )
    kept = [p for p in train if p["id"] not in matches]
    removed = [
        {"problem_id": pid, "reason": "eval_statement_similar", "eval_id": m.eval_id, "similarity": m.similarity}
        for pid, m in sorted(matches.items())
    ]
    return kept, removed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", required=True, help="the training split's problems file")
    add_eval_argument(parser)
    parser.add_argument("--params", required=True, help='the node params (JSON): {"decontamination_threshold": ...}')
    parser.add_argument("--out", required=True, help="output directory (problems.jsonl.gz, removed.jsonl, report.json)")


def run(args: argparse.Namespace) -> int:
    params = json_option(args.params, "--params")
    threshold = params.get("decontamination_threshold")
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not 0 < threshold <= 1:
        raise ValueError(f"--params: decontamination_threshold must be a number in (0, 1], got {threshold!r}")
    train = list(read_jsonl(args.problems))
    evaluation, by_split = [], {}
    for ref, path in args.eval:
        rows = list(read_jsonl(path))
        by_split[ref] = len(rows)
        evaluation.extend(rows)
    kept, removed = decontaminate_problems(train, evaluation, threshold)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "problems.jsonl.gz", kept)
    write_jsonl(out / "removed.jsonl", removed)
    report = {"problems_in": len(train), "kept": len(kept), "removed": len(removed), "threshold": threshold,
              "eval_splits": by_split}
    write_json(out / "report.json", report)
    print(json.dumps(report, indent=2))
    if not kept:
        raise ValueError(f"every one of the {len(train)} training problems is within {threshold} of an evaluation"
                         " statement: nothing is left to generate on (lower rft.decontamination_threshold or"
                         " choose another training split)")
    return 0
