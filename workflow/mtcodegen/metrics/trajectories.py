"""Read one cell's execute-stage trajectories (docs/contracts.md §3) into per-problem arrays.

An attempt is **correct** when it passes all its tests, public and private (the paper's verdict; the option
``correct: private_tests`` keeps the private verdict alone). A trajectory's result at turn t is whether its
attempt min(t, attempts used) is correct: a trajectory that
stopped early (it passed the public tests) keeps submitting that code. A trajectory with no attempt at all
(``finish: error`` before the first response) counts as one failed attempt, so that a generation failure is
never silently dropped from the denominator; the ledger counts those separately.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..jsonl import read_jsonl

# What counts as a correct attempt (metrics config key ``correct``): all tests by default, as in the paper.
VERDICTS = ("all_tests", "private_tests")

LABEL_COLUMNS = ("name", "model", "dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry", "finetuned", "block")


@dataclass
class CellData:
    label: dict[str, Any]
    problem_ids: list[str]
    samples: np.ndarray  # (P,) trajectories per problem
    cost: np.ndarray  # (P, N) attempts used, >= 1; padding rows are 1
    public: np.ndarray  # (P, N, T) bool, padded with each trajectory's last value
    private: np.ndarray  # (P, N, T) bool
    records: list[dict[str, Any]] = field(repr=False, default_factory=list)
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # problem id -> {grouping: group}
    correct: np.ndarray | None = None  # (P, N, T) bool: the verdict; default public & private (all tests)
    cache: dict[Any, Any] = field(repr=False, default_factory=dict)  # per-problem estimates shared by tables

    def __post_init__(self) -> None:
        if self.correct is None:
            self.correct = self.public & self.private

    @property
    def max_turns(self) -> int:
        return self.public.shape[2]

    def columns(self) -> dict[str, Any]:
        """The label columns that start every table row."""
        return {key: self.label.get(key) for key in LABEL_COLUMNS}

    def success_at_turn(self, turn: int) -> np.ndarray:
        """(P, N) whether the code each trajectory would submit after ``turn`` attempts is correct."""
        t = np.minimum(turn, self.cost) - 1
        p, s = np.indices(self.cost.shape)
        return self.correct[p, s, t]


def _passed(summary: Any, where: str, key: str) -> bool:
    if not isinstance(summary, dict) or "verdict" not in summary:
        stage = "the execute stage" if key == "private" else "the generate stage"
        raise ValueError(f"{where}: attempt has no '{key}' verdict summary (expected from {stage})")
    return summary["verdict"] == "AC"


def read_cell(path: str | Path, label: dict[str, Any], verdict: str = "all_tests") -> CellData:
    """Load and check one trajectories file; errors name the file, line and field. ``verdict``: what counts
    as a correct attempt (VERDICTS)."""
    if verdict not in VERDICTS:
        raise ValueError(f"metrics 'correct' must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"trajectories file not found: {path}")
    by_problem: dict[str, list[tuple[int, list[bool], list[bool]]]] = defaultdict(list)
    records = []
    for line, record in enumerate(read_jsonl(path), 1):
        where = f"{path}:{line}"
        for key in ("problem_id", "sample", "attempts"):
            if key not in record:
                raise ValueError(f"{where}: trajectory has no '{key}' field")
        if "final" not in record:
            raise ValueError(f"{where}: trajectory has no 'final' field; metrics read execute-stage outputs")
        if label.get("name") and record.get("cell_name") and record["cell_name"] != label["name"]:
            raise ValueError(
                f"{where}: trajectory of cell {record['cell_name']!r} given for cell {label['name']!r} "
                "(are --inputs and --cells-json in the same order?)"
            )
        attempts = record["attempts"]
        public = [_passed(a.get("public"), f"{where} attempt {i + 1}", "public") for i, a in enumerate(attempts)]
        private = [_passed(a.get("private"), f"{where} attempt {i + 1}", "private") for i, a in enumerate(attempts)]
        if not attempts:
            public, private = [False], [False]
        by_problem[record["problem_id"]].append((record["sample"], public, private))
        records.append(record)
    if not records:
        raise ValueError(f"{path}: no trajectories (an empty file cannot be scored)")
    problem_ids = sorted(by_problem)
    n_max = max(len(v) for v in by_problem.values())
    # Pad to the cell's configured turns: a cell whose trajectories all stopped early still has a turn-T row.
    t_max = max(max(len(pub) for v in by_problem.values() for _, pub, _ in v), int(label.get("turns") or 0))
    n_problems = len(problem_ids)
    cost = np.ones((n_problems, n_max), dtype=np.int64)
    public = np.zeros((n_problems, n_max, t_max), dtype=bool)
    private = np.zeros((n_problems, n_max, t_max), dtype=bool)
    samples = np.zeros(n_problems, dtype=np.int64)
    for p, pid in enumerate(problem_ids):
        trajectories = sorted(by_problem[pid], key=lambda item: item[0])
        seen = [s for s, _, _ in trajectories]
        if len(set(seen)) != len(seen):
            raise ValueError(f"{path}: problem {pid!r} has the same sample number twice")
        samples[p] = len(trajectories)
        for s, (_, pub, priv) in enumerate(trajectories):
            cost[p, s] = len(pub)
            public[p, s] = pub + [pub[-1]] * (t_max - len(pub))
            private[p, s] = priv + [priv[-1]] * (t_max - len(priv))
    correct = public & private if verdict == "all_tests" else private.copy()
    return CellData(label, problem_ids, samples, cost, public, private, records, correct=correct)


def read_difficulties(path: str | Path) -> dict[str, dict[str, str]]:
    """Problem id -> {"difficulty": the source's level, "rating": the CodeContests rating band}."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"problems file not found: {path}")
    groups = {}
    for line, record in enumerate(read_jsonl(path), 1):
        if "id" not in record:
            raise ValueError(f"{path}:{line}: problem has no 'id' field")
        groups[record["id"]] = {
            "difficulty": str(record.get("difficulty") or "unknown"),
            "rating": rating_bucket(record.get("rating")),
        }
    return groups


def rating_bucket(rating: int | None, width: int = 400) -> str:
    """CodeContests ratings grouped into bands of ``width`` (e.g. '1200-1599')."""
    if rating is None:
        return "unknown"
    low = (int(rating) // width) * width
    return f"{low}-{low + width - 1}"
