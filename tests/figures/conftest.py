"""Hand-built metrics tables (columns of docs/metrics.md) whose values the tests choose, a way to catch the
matplotlib figure a figure function draws instead of saving it, and the names of the figures drawn from metrics
tables. The synthetic trajectories and their tables (`synth`, `metrics_dir`) are tests/conftest.py's."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

import pandas as pd

LABELS = ("name", "model", "dataset", "reasoning", "instruction", "feedback", "turns", "cot_retry", "finetuned",
          "block")


def label(model="m", dataset="cc/test", reasoning="none", instruction="none", feedback="failed_tests", turns=1,
          cot_retry=False, finetuned=False):
    name = f"{model}.{dataset}.r={reasoning}.i={instruction}.fb={feedback}.t={turns}" + (".retry" if cot_retry else "")
    return {"name": name, "model": model, "dataset": dataset, "reasoning": reasoning, "instruction": instruction,
            "feedback": feedback, "turns": turns, "cot_retry": cot_retry, "finetuned": finetuned, "block": "b"}


def noise(*parts) -> float:
    """A deterministic pseudo-random number in [0, 1) from the parts (no RNG state shared between tests)."""
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) / 2**32


class Tables:
    """Rows per table; ``value(label, metric)`` decides every value; ``write(dir)`` writes the CSVs."""

    def __init__(self, cells, value, ks=(1, 10), pairs=((1, 3), (10, 30), (10, 100)), samples=50,
                 levels=None, similarity=5):
        self.cells, self.value = list(cells), value
        self.rows = {t: [] for t in ("pass_at_k", "n_at_k", "per_turn", "per_difficulty", "similarity", "non_code")}
        for c in self.cells:
            def stats(metric, extra=None):
                v = value(c, metric) if extra is None else value(c, metric, extra)
                return {"value": v, "ci_low": max(0.0, v - 0.05), "ci_high": min(1.0, v + 0.05), "problems": 20,
                        "samples_min": samples}
            for k in ks:
                self.rows["pass_at_k"].append(c | {"metric": f"pass@{k}", "k": k} | stats(f"pass@{k}"))
            for n, k in pairs:
                if k <= samples * c["turns"]:
                    self.rows["n_at_k"].append(c | {"metric": f"{n}@{k}", "n": n, "k": k, "replicates": 100}
                                               | stats(f"{n}@{k}"))
            for t in range(1, c["turns"] + 1) if c["turns"] > 1 else ():
                self.rows["per_turn"].append(c | {"turn": t, "metric": "pass@1", "k": 1, "active_fraction": 1.0}
                                             | stats("pass@1", t))
            for group in (levels or {}).get(c["dataset"], ()):
                self.rows["per_difficulty"].append(c | {"grouping": "difficulty", "group": group, "metric": "pass@1",
                                                        "n": None, "k": 1} | stats("pass@1", group))
            if c["turns"] > 1:
                for j in range(similarity):
                    self.rows["similarity"].append(c | {"problem_id": f"p{j}", "sample": j, "turn_from": 1,
                                                        "turn_to": 2, "similarity": noise(c["name"], j)})
            for t in [*range(1, c["turns"] + 1), "all"]:
                self.rows["non_code"].append(c | {"turn": t, "responses": 10, "non_code_fraction": 0.3,
                                                  "non_code_fraction_sd": 0.1, "mean_response_chars": 100})

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, rows in self.rows.items():
            frame = pd.DataFrame(rows)
            if frame.empty:
                frame = pd.DataFrame(columns=list(LABELS))
            frame.to_csv(directory / f"{name}.csv", index=False)
        return directory


@pytest.fixture
def caught(monkeypatch):
    """Draw figures without saving: every figure module's ``save`` records the figure instead."""
    from mtcodegen.figures.registry import figures as registered

    figures = []
    for figure in registered().values():
        if hasattr(figure.module, "save"):  # rft_loss saves by itself
            monkeypatch.setattr(figure.module, "save", lambda fig, prefix, figures=figures: figures.append(fig) or [])
    yield figures
    import matplotlib.pyplot as plt

    for fig in figures:
        plt.close(fig)


def panel(fig, title_start: str):
    """The one axes whose title starts with ``title_start``."""
    hits = [ax for ax in fig.axes if ax.get_title().startswith(title_start)]
    assert len(hits) == 1, (title_start, [ax.get_title() for ax in fig.axes])
    return hits[0]


@pytest.fixture(scope="session")
def kit():
    from types import SimpleNamespace

    return SimpleNamespace(label=label, Tables=Tables, panel=panel, noise=noise)


@pytest.fixture(scope="session")
def metrics_figures():
    """The names of the figures drawn from the metrics tables alone (every one but those of other inputs)."""
    from mtcodegen.figures.registry import figures

    return sorted(n for n, f in figures().items() if set(f.reads) <= {"metrics", "reference"})
