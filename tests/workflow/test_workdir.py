"""`snakemake -d elsewhere` (issue 15): results go to `elsewhere`, and every project file the jobs read (dataset
files, prompts, a local model, config.yaml itself) still comes from the workflow's own directory, passed by the
rules, never from the working directory or the package's location.

The project is a copy (as a user's clone, with no ../shared beside it); Snakemake runs with `-s <copy>/Snakefile
-d <elsewhere>` from a third, unrelated directory, so that neither the working directory nor the caller's
directory can stand in for the project.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workflow_copy import COPIED, copy_project, parse_job_stats  # noqa: E402

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def dirs(tmp_path):
    project, elsewhere, caller = tmp_path / "project", tmp_path / "elsewhere", tmp_path / "caller"
    copy_project(project, (*COPIED, "data"))
    elsewhere.mkdir()
    caller.mkdir()
    return project, elsewhere, caller


def snakemake(project: Path, elsewhere: Path, caller: Path, *options: str, timeout: int = 600):
    env = {k: v for k, v in os.environ.items() if k not in ("SNAKEMAKE_PROFILE",)}
    env["PYTHONPATH"] = str(project / "workflow")  # the copy's package runs the jobs
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["HF_HUB_OFFLINE"] = "1"
    cmd = [str(VENV_BIN / "snakemake"), "-s", str(project / "Snakefile"), "-d", str(elsewhere), "--cores", "2",
           *options]
    proc = subprocess.run(cmd, cwd=caller, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


def test_the_default_dag_plans_in_another_working_directory(dirs):
    project, elsewhere, caller = dirs
    jobs = parse_job_stats(snakemake(project, elsewhere, caller, "-n").stdout)
    # config.yaml's grid (docs: 3 base cells, the RFT generator, the finetuned cell), every stage
    assert jobs["prepare_data"] == 3 and jobs["materialize_model"] == 1
    assert jobs["generate"] == 5 and jobs["execute"] == 5
    assert jobs["metrics"] == jobs["rft_data"] == jobs["finetune"] == 1
    assert not (project / "results").exists() and not (caller / "results").exists()
    assert list((elsewhere / "results" / "plan").glob("*.json"))  # plan files: beside the results, not the code


@pytest.mark.slow
def test_a_cell_is_generated_and_judged_for_real_in_another_working_directory(dirs):
    project, elsewhere, caller = dirs
    # A "local" model that is never loaded: the scripted backend answers with the problem's reference solution.
    (project / "models" / "tiny").mkdir(parents=True)
    (project / "models" / "tiny" / "config.json").write_text('{"model_type": "tiny"}\n')
    (project / "models" / "tiny" / "model.safetensors").write_bytes(b"never loaded")
    script = project / "script.json"
    config = {
        "datasets": {"mbpp": {"format": "mbpp", "files": {"test": "data/mbpp/test.jsonl"}, "splits": ["test"],
                              "limit": 1}},
        "models": {"tiny": {"source": {"local": "models/tiny"}, "backend": "scripted",
                            "engine": {"script": str(script)}}},
        "sampling": {"samples": 1, "max_tokens": 64},
        "grid": [{"name": "g", "models": ["tiny"], "datasets": ["mbpp/test"], "reasoning": ["explain_io_pairs"],
                  "turns": [1]}],
        "execution": {"sandbox": "unsafe_local"},  # the program judged is the dataset's own reference
        "metrics": {"pass_at_k": [1], "n_at_k": [[1, 1]], "bootstrap_resamples": 10},
    }
    config_file = project / "workdir.yaml"
    config_file.write_text(yaml.safe_dump(config))
    options = ("--configfile", str(config_file))

    # The data stage for real: its file is the project's (the rule passes --root), its output lands elsewhere.
    snakemake(project, elsewhere, caller, *options, "--", "data")
    (problems_file,) = (elsewhere / "results" / "problems").glob("*/problems.jsonl.gz")
    with gzip.open(problems_file, "rt") as handle:
        (problem,) = [json.loads(line) for line in handle]
    assert problem["reference_solution"]
    script.write_text(json.dumps({"responses": [
        "Reasoning about the examples.", f"```python\n{problem['reference_solution']}\n```"]}))

    # Then the cell: model, generation (prompts from the project), judging on the private tests.
    targets = execute_targets(project, config_file)
    run = snakemake(project, elsewhere, caller, *options, "--", *targets)
    jobs = parse_job_stats(run.stdout + run.stderr)
    assert jobs == {"materialize_model": 1, "generate": 1, "execute": 1}, jobs
    (judged,) = (elsewhere / "results" / "execute").glob("*/trajectories.jsonl.gz")
    with gzip.open(judged, "rt") as handle:
        (record,) = [json.loads(line) for line in handle]
    assert record["attempts"][0]["private"]["verdict"] == "AC"  # the dataset's own solution passes its tests
    assert record["final"]["private_pass"] is True
    # The reasoning prompt came from the project's prompts/ (the copy's file, read by the generate job).
    first_user = next(m["content"] for m in record["messages"] if m["role"] == "user")
    reasoning = (project / "prompts" / "reasoning" / "explain_io_pairs.txt").read_text().strip()
    assert reasoning.splitlines()[0] in first_user
    assert not (project / "results").exists() and not (caller / "results").exists()


def execute_targets(project: Path, config_file: Path) -> list[str]:
    """The execute output of the (only) cell, planned by the copy's own package."""
    script = ("import sys; from mtcodegen.config import load_config; from mtcodegen.plan import build_plan; "
              "p = build_plan(load_config(sys.argv[1], root=sys.argv[2]), root=sys.argv[2]); "
              "print(*[p.path(c.execute, 'trajectories.jsonl.gz') for c in p.cells])")
    proc = subprocess.run([sys.executable, "-c", script, str(config_file), str(project)], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(project / "workflow")}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    targets = proc.stdout.split()
    assert len(targets) == 1, targets
    return targets
