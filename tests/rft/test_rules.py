"""The rules connect: generator cell's execute → rft_data (with every eval split) → finetune (base model) →
generate of the finetuned model's eval cells → the loss figure. A dry run of the default config."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mtcodegen.config import dataset_splits, load_config

SNAKEMAKE = Path(sys.executable).parent / "snakemake"


@pytest.mark.slow
def test_default_config_dry_run_wires_rft_data_finetune_and_eval_cells(project_root):
    if not SNAKEMAKE.exists() and not shutil.which("snakemake"):
        pytest.fail("snakemake is not installed in this environment")
    # --forceall: the whole DAG, whatever results/ already holds (after `make run` nothing would be left to do)
    run = subprocess.run([str(SNAKEMAKE if SNAKEMAKE.exists() else "snakemake"), "-n", "-p", "--forceall",
                          "--nolock", "--cores", "1"], cwd=project_root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    out = run.stdout
    rft = re.search(r"rft-data --trajectories (\S+) --train-problems (\S+) (.*?) --params", out)
    assert rft, "no rft-data job in the dry run"
    assert rft.group(1).startswith("results/execute/")
    # the generator read its training split less the problems close to an evaluation one (rft_problems)
    assert rft.group(2).startswith("results/rft_problems/")
    evals = re.findall(r"--eval (\S+)=", rft.group(3))
    # Every split of the config except the training part and the split it was carved from.
    config = load_config(project_root / "config.yaml", root=project_root)
    train = config["rft"]["generator"]["dataset"]
    train_dataset = train.split("/")[0]
    partition = config["datasets"][train_dataset].get("partition")
    parent = f"{train_dataset}/{partition['from']}" if partition else None  # holds the training part
    every = {f"{d}/{s}" for d, entry in config["datasets"].items() for s in dataset_splits(entry)}
    assert evals == sorted(every - {train, parent})
    assert train not in evals and parent not in evals and len(evals) >= 2
    data = re.search(r"finetune --data (results/rft_data/\w+/train\.jsonl) --base (\S+) --params .* --out "
                     r"(results/finetune/\w+)", out)
    assert data and data.group(2).startswith("results/model/") and data.group(2).endswith("/checkpoint")
    model_dir = f"{data.group(3)}/model"
    assert re.search(rf"generate --problems \S+ --model-dir {model_dir} ", out), "no eval cell uses the RFT model"
    assert f"figure rft_loss --curve rft_default={data.group(3)}/loss.csv --out-prefix figures/rft_loss" in out
