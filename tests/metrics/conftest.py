"""Fixtures of the metrics/figures tests: synthetic trajectory files written per the contract."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("metrics_synthetic", Path(__file__).with_name("synthetic.py"))
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)


@pytest.fixture(scope="session")
def synth():
    return synthetic


@pytest.fixture(scope="session")
def metrics_dir(tmp_path_factory) -> Path:
    """The metrics tables of the synthetic paper-like grid (computed once per session)."""
    from mtcodegen.metrics import cli

    root = tmp_path_factory.mktemp("metrics")
    labels = synthetic.paper_like_grid()
    inputs = [str(synthetic.write_cell(root / f"cell{i}.jsonl.gz", lab, problems=8, samples=12, seed=i))
              for i, lab in enumerate(labels)]
    problems = str(synthetic.write_problems(root / "problems.jsonl.gz", 8))
    config = {"pass_at_k": [1, 10], "n_at_k": [[1, 3], [10, 30]], "bootstrap_resamples": 200, "seed": 0}
    out = root / "tables"
    parser = __import__("argparse").ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args(["--cells-json", json.dumps(labels), "--inputs", *inputs,
                              "--problems", *[problems] * len(inputs), "--config", json.dumps(config),
                              "--out-dir", str(out)])
    assert cli.run(args) == 0
    return out
