"""How much of a calibration score is the code extraction: our program vs evalplus's sanitizer, same responses.

    python benchmarks/harness_extraction.py --dataset humaneval \
        --release ../shared/data/evalplus/HumanEvalPlus-v0.1.10.jsonl.gz \
        --trajectories results/execute/<hash>/trajectories.jsonl.gz [--turn 1] [--out extraction.json]

Qwen2.5-Coder's EvalPlus evaluation (and evalplus's own `codegen`) does not run the model's code block as it is:
it runs ``evalplus.sanitize.sanitize(response, entry_point)``, which keeps the longest syntactically valid
stretch of the response, and of it only the imports and the definitions the entry point reaches (functions
with a ``return``, classes, top-level assignments). Top-level example calls, ``print``s, ``assert``s and
``input()``s are dropped. Our pipeline runs the extracted block whole (``mtcodegen.generate.extract``), as a
multi-turn loop must: the program a model is told about is the program that ran.

For every trajectory's attempt at ``--turn`` (default 1: the single-turn greedy answer), both programs are
judged by the *same* evaluator, evalplus's CLI (the truth for both, so the difference is the extraction alone),
on base and plus tests. Prints pass@1 for each extraction, and every task whose verdict differs between them
with both programs' heads.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import evalplus_agreement as bench  # noqa: E402  (the sibling script: release reader, evalplus runner)
from mtcodegen import jsonl  # noqa: E402


def attempts_at(trajectories_path: str, turn: int) -> dict[str, dict[str, Any]]:
    """The attempt at `turn` of each task's first trajectory (a greedy run has one per task), by task id.
    A trajectory that stopped earlier (it passed its public tests) contributes its last attempt, as pass@1 after
    `turn` turns counts it."""
    found: dict[str, dict[str, Any]] = {}
    for record in jsonl.read_jsonl(trajectories_path):
        task = record["problem_id"].split("/", 1)[1]
        upto = [a for a in record["attempts"] if a["turn"] <= turn]
        if task not in found and upto:
            found[task] = upto[-1]
    return found


def programs(attempts: dict[str, dict[str, Any]], entry_points: dict[str, str]) -> list[dict[str, Any]]:
    from evalplus.sanitize import sanitize

    out = []
    for task, attempt in sorted(attempts.items()):
        response = attempt.get("response") or ""
        out.append({"task": task, "label": "ours", "code": attempt.get("code") or ""})
        out.append({"task": task, "label": "sanitized", "code": sanitize(response, entry_points[task])})
    return out


def summarize(judged: list[dict[str, Any]], verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    by_task: dict[str, dict[str, Any]] = {}
    for program, verdict in zip(judged, verdicts):
        by_task.setdefault(program["task"], {})[program["label"]] = (program["code"], verdict)
    flips = []
    for task, sides in by_task.items():
        (ours_code, ours), (clean_code, clean) = sides["ours"], sides["sanitized"]
        if (ours["base"], ours["plus"]) != (clean["base"], clean["plus"]):
            flips.append({"task": task, "ours": {k: ours[k] for k in ("base", "plus", "base_status")},
                          "sanitized": {k: clean[k] for k in ("base", "plus", "base_status")},
                          "dropped_lines": sorted(set(ours_code.splitlines()) - set(clean_code.splitlines()))[:8]})
    return {"tasks": len(by_task), "pass_at_1": bench.pass_at_1(judged, verdicts), "flips": flips}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=("humaneval", "mbpp"), required=True)
    parser.add_argument("--release", required=True, help="the evalplus release file (.jsonl or .jsonl.gz)")
    parser.add_argument("--trajectories", required=True, help="a generate or execute trajectories file")
    parser.add_argument("--turn", type=int, default=1, help="score each trajectory's attempt after this turn")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="write the JSON here too")
    args = parser.parse_args(argv)
    rows = bench.read_release(Path(args.release))
    attempts = attempts_at(args.trajectories, args.turn)
    unknown = sorted(set(attempts) - {r["task_id"] for r in rows})
    if unknown:
        parser.error(f"--trajectories has tasks that {args.release} lacks (another benchmark?): {unknown[:5]}")
    judged = programs(attempts, {r["task_id"]: r["entry_point"] for r in rows})
    verdicts = bench.evalplus_verdicts(args.dataset, judged, rows, args.workers)
    summary = {"dataset": args.dataset, "release": Path(args.release).name, "turn": args.turn,
               **summarize(judged, verdicts)}
    bench.emit(summary, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
