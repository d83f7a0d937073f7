"""The rft_data stage: judged trajectories of the generator cell → train.jsonl, stats.json, removed.jsonl.

Order matters for what removed.jsonl says: failures first, then decontamination (a contaminated problem is
reported as such, not as a duplicate), then near-copy dedup within each problem, then the per-problem cap.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, write_json, write_jsonl
from .decontaminate import reference_index, similar_statements
from .dedup import NearDuplicateIndex, minhash
from .prompts import load_prompt_texts, strip_prompts
from .selection import final_code, rejection_reason, trajectory_key, turn_class


def _removed(trajectory: dict[str, Any], reason: str, **evidence: Any) -> dict[str, Any]:
    return {
        "key": trajectory_key(trajectory),
        "problem_id": trajectory["problem_id"],
        "sample": trajectory["sample"],
        "reason": reason,
        **evidence,
    }


def _read_problems(path: str | Path) -> list[dict[str, Any]]:
    return list(read_jsonl(path))


def select_trajectories(
    trajectories: list[dict[str, Any]],
    train_problems: list[dict[str, Any]],
    eval_problems: list[dict[str, Any]],
    params: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept trajectories, removal records). Pure: no file access, so each rule is testable on its own."""
    removed: list[dict[str, Any]] = []
    kept = []
    for t in trajectories:
        reason = rejection_reason(t)
        if reason:
            removed.append(_removed(t, reason))
        else:
            kept.append(t)

    statements = {p["id"]: p["statement"] for p in train_problems}
    missing = sorted({t["problem_id"] for t in kept} - set(statements))
    if missing:
        raise ValueError(f"trajectories of problems missing from the training problems file: {missing[:5]}")
    unique_eval = {p["id"]: p for p in eval_problems}
    matches = similar_statements(
        {i: statements[i] for i in sorted({t["problem_id"] for t in kept})},
        {i: p["statement"] for i, p in unique_eval.items()},
        params["decontamination_threshold"],
    )
    references = reference_index(list(unique_eval.values()), params["dedup_threshold"])
    clean = []
    for t in kept:
        match = matches.get(t["problem_id"])
        if match:
            removed.append(_removed(t, "eval_statement_similar", eval_id=match.eval_id, similarity=match.similarity))
            continue
        copy = references.find(final_code(t))
        if copy:
            removed.append(_removed(t, "eval_code_duplicate", eval_id=copy[0], similarity=round(copy[1], 4)))
            continue
        clean.append(t)

    by_problem: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in sorted(clean, key=lambda t: (t["problem_id"], t["sample"])):
        by_problem[t["problem_id"]].append(t)
    selected = []
    for problem_id, group in by_problem.items():
        index = NearDuplicateIndex(params["dedup_threshold"])
        unique = []
        for t in group:
            code = final_code(t)
            sketch = minhash(code)
            copy = index.find(code, sketch)
            if copy:
                removed.append(_removed(t, "near_duplicate", of=copy[0], similarity=round(copy[1], 4)))
                continue
            index.add(trajectory_key(t), code, sketch)
            unique.append(t)
        cap = params["max_per_problem"]
        removed.extend(_removed(t, "over_max_per_problem", max_per_problem=cap) for t in unique[cap:])
        selected.extend(unique[:cap])
    return selected, removed


def training_record(trajectory: dict[str, Any], prompt_texts: dict[str, str]) -> tuple[dict[str, Any], int]:
    messages, stripped = strip_prompts(trajectory, prompt_texts)
    record = {
        "messages": messages,
        "problem_id": trajectory["problem_id"],
        "source_cell": trajectory["cell"],
        "turns": len(trajectory["attempts"]),
        "sample": trajectory["sample"],
        "turn_class": turn_class(trajectory),
    }
    return record, stripped


def build_rft_data(
    trajectories_path: str | Path,
    train_problems_path: str | Path,
    eval_problem_paths: dict[str, str | Path],
    params: dict[str, Any],
    prompts_dir: str | Path,
    out_dir: str | Path,
) -> dict[str, Any]:
    """Write train.jsonl, removed.jsonl and stats.json under ``out_dir``; return the stats."""
    out_dir = Path(out_dir)
    trajectories = list(read_jsonl(trajectories_path))
    eval_problems = [p for ref in sorted(eval_problem_paths) for p in _read_problems(eval_problem_paths[ref])]
    missing_refs = sorted(set(params.get("eval_splits", [])) - set(eval_problem_paths))
    if missing_refs:
        raise ValueError(f"no problems file given for evaluation split(s) {missing_refs} (--eval REF=PATH)")
    selected, removed = select_trajectories(
        trajectories, _read_problems(train_problems_path), eval_problems, params
    )
    prompt_texts = load_prompt_texts(prompts_dir, params["generator"])
    records, stripped = [], 0
    for t in selected:
        record, n = training_record(t, prompt_texts)
        records.append(record)
        stripped += n
    by_key = {trajectory_key(t): t for t in selected}
    stats = {
        "input_trajectories": len(trajectories),
        "trajectories": len(records),
        "problems": len({r["problem_id"] for r in records}),
        "by_turn_class": dict(Counter(r["turn_class"] for r in records)),
        "assistant_tokens": sum(
            a.get("completion_tokens") or 0 for r in records for a in by_key[f"{r['problem_id']}#{r['sample']}"]["attempts"]
        ),
        "characters": sum(len(m["content"]) for r in records for m in r["messages"]),
        "prompts_stripped": stripped,
        "removed": dict(sorted(Counter(r["reason"] for r in removed).items())),
        "eval_problems": len({p["id"] for p in eval_problems}),
        "eval_splits": sorted(eval_problem_paths),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(out_dir / "removed.jsonl", removed)
    write_jsonl(out_dir / "train.jsonl", records)
    write_json(out_dir / "stats.json", stats)
    return stats
