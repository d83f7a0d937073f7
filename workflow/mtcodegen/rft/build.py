"""The rft_data stage: judged trajectories of the generator cell → train.jsonl, stats.json, removed.jsonl.

Order matters for what removed.jsonl says: failures first, then decontamination (a contaminated problem is
reported as such, not as a duplicate: statement similarity, reference-code copy, cross-testing), then
near-copy dedup within each problem and turn class, then the per-problem cap, then the turn classes that are
not trained on (the paper trains on the multi-turn ones only).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from ..jsonl import read_jsonl, write_json, write_jsonl
from ..schema import default
from .decontaminate import cross_test, reference_index, similar_statements, statement_similarity
from .dedup import NearDuplicateIndex, minhash
from .prompts import load_prompt_texts, strip_prompts
from .selection import TURN_CLASSES, final_code, rejection_reason, trajectory_key, turn_class


def rft_setting(params: dict[str, Any], key: str) -> Any:
    """An rft setting; one the params leave out (a hand run) takes the config schema's default, as a planned
    run's params always hold it (the schema fills it in)."""
    return params[key] if key in params else default("rft", key)


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


def _decontaminate(kept, train_problems, eval_problems, params, judge, removed):
    """Drop trajectories of training problems close to an evaluation problem (decontaminate.py)."""
    statements = {i: p["statement"] for i, p in train_problems.items()}
    unique_eval = {p["id"]: p for p in eval_problems}
    kept_ids = sorted({t["problem_id"] for t in kept})
    similarity = statement_similarity({i: statements[i] for i in kept_ids},
                                      {i: p["statement"] for i, p in unique_eval.items()})
    matches = similar_statements({}, {}, params["decontamination_threshold"], similarity)
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
    if not rft_setting(params, "cross_test") or not unique_eval or not clean:
        return clean
    if judge is None:
        raise ValueError("rft cross_test is on but no judge was given to run the solutions in")
    solutions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    seen = set()
    for t in clean:  # each distinct final program of a problem once (the judge caches repeats anyway)
        code = final_code(t)
        if (t["problem_id"], code) not in seen:
            seen.add((t["problem_id"], code))
            solutions[t["problem_id"]].append((trajectory_key(t), code))
    crossed = cross_test(solutions, train_problems, unique_eval, judge, params["execution"],
                         rft_setting(params, "cross_test_top_k"), similarity)
    out = []
    for t in clean:
        match = crossed.get(t["problem_id"])
        if match:
            removed.append(_removed(t, "eval_cross_tested", eval_id=match.eval_id, solution=match.solution,
                                    tests=match.tests))
        else:
            out.append(t)
    return out


def select_trajectories(
    trajectories: list[dict[str, Any]],
    train_problems: list[dict[str, Any]],
    eval_problems: list[dict[str, Any]],
    params: dict[str, Any],
    judge=None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept trajectories, removal records). No file access, so each rule is testable on its own; ``judge``
    (a sandbox Judge) runs the cross-tests when ``params["cross_test"]`` is on.

    Dedup and the per-problem cap apply within each turn class (single-turn, multi-turn) of a problem, as in
    the paper; the classes not in ``params["train_turn_classes"]`` are removed last, with that reason, so
    stats.json can report both classes after the same filters.
    """
    removed: list[dict[str, Any]] = []
    kept = []
    for t in trajectories:
        reason = rejection_reason(t)
        if reason:
            removed.append(_removed(t, reason))
        else:
            kept.append(t)

    problems = {p["id"]: p for p in train_problems}
    missing = sorted({t["problem_id"] for t in kept} - set(problems))
    if missing:
        raise ValueError(f"trajectories of problems missing from the training problems file: {missing[:5]}")
    clean = _decontaminate(kept, problems, eval_problems, params, judge, removed)

    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for t in sorted(clean, key=lambda t: (t["problem_id"], t["sample"])):
        groups[(t["problem_id"], turn_class(t))].append(t)
    train_classes = set(rft_setting(params, "train_turn_classes"))
    unknown = sorted(train_classes - set(TURN_CLASSES))
    if unknown:
        raise ValueError(f"unknown rft train_turn_classes {unknown}; expected some of {list(TURN_CLASSES)}")
    selected = []
    for (problem_id, klass), group in sorted(groups.items()):
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
        if klass in train_classes:
            selected.extend(unique[:cap])
        else:
            removed.extend(_removed(t, "turn_class_not_trained", turn_class=klass) for t in unique[:cap])
    selected.sort(key=lambda t: (t["problem_id"], t["sample"]))
    return selected, removed


def class_stats(trajectories: list[dict[str, Any]], selected: list[dict[str, Any]],
                removed: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per turn class: trajectories that passed, survived decontamination/dedup/cap, were trained on, and the
    removals by reason (failures have no class of their own: a failed trajectory counts in its length's)."""
    klass = {trajectory_key(t): turn_class(t) for t in trajectories}
    out = {}
    for c in TURN_CLASSES:
        reasons = Counter(r["reason"] for r in removed if klass[r["key"]] == c)
        trained = sum(1 for t in selected if turn_class(t) == c)
        out[c] = {
            "input": sum(1 for k in klass.values() if k == c),
            "after_dedup": trained + reasons.get("turn_class_not_trained", 0),
            "trained": trained,
            "removed": dict(sorted(reasons.items())),
        }
    return out


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
    judge = None
    if rft_setting(params, "cross_test") and eval_problems:
        from ..sandbox import ExecutionSettings, Judge, SandboxUnavailable

        execution = ExecutionSettings.from_dict(params["execution"], what="rft params execution")
        try:
            judge = Judge(mode=execution.sandbox, workers=execution.workers)
        except SandboxUnavailable as err:
            raise ValueError(f"rft cross-testing needs the sandbox, which cannot run here: {err}") from None
    try:
        selected, removed = select_trajectories(
            trajectories, _read_problems(train_problems_path), eval_problems, params, judge
        )
    finally:
        if judge is not None:
            judge.close()
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
        "train_turn_classes": sorted(rft_setting(params, "train_turn_classes")),
        "by_turn_class": class_stats(trajectories, selected, removed),
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
