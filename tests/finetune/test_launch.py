"""The distributed launcher: the same `mtcodegen finetune` command, run as 2 accelerate workers over gloo,
gives the loss curve and merged checkpoint of a single-process run with the same global batch; the SLURM
multi-node command line."""

from __future__ import annotations

import csv
import json
import os
import stat

import pytest

from mtcodegen.cli import main
from mtcodegen.config import PROJECT_ROOT
from mtcodegen.finetune.launch import distributed, resolve, worker_command


def test_launch_plan_from_the_slurm_allocation(tmp_path, monkeypatch):
    fake = tmp_path / "scontrol"  # what `scontrol show hostnames gpu[07-08]` prints
    fake.write_text("#!/bin/sh\nprintf 'gpu07\\ngpu08\\n'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    env = {"SLURM_NNODES": "2", "SLURM_GPUS_ON_NODE": "8", "SLURM_JOB_NODELIST": "gpu[07-08]"}
    plan = resolve({"accelerate_config": "configs/accelerate/fsdp.yaml"}, env)
    assert plan == {"accelerate_config": str(PROJECT_ROOT / "configs/accelerate/fsdp.yaml"),
                    "processes_per_node": 8, "nodes": 2, "port": 29500}
    assert 0 < resolve({"processes_per_node": 2}, {})["port"] < 65536  # one node: any free port
    command = worker_command(plan, ["--data", "d.jsonl", "--out", "o"], env)
    assert command[:6] == ["srun", "--nodes=2", "--ntasks-per-node=1", "--kill-on-bad-exit=1", "bash", "-c"]
    line = command[6]
    for part in ("-m accelerate.commands.launch", "--num_processes 16", "--num_machines 2",
                 "--main_process_ip gpu07", '--machine_rank "$SLURM_NODEID"',
                 "-m mtcodegen.cli finetune --worker --data d.jsonl --out o"):
        assert part in line, part
    assert line.index("--machine_rank") < line.index("-m mtcodegen.cli")  # an accelerate option, not ours
    # one process, no config: the trainer runs in place; two processes without a config: DDP
    assert not distributed(resolve({}, {}))
    two = resolve({"processes_per_node": 2}, {})
    assert distributed(two) and two["accelerate_config"].endswith("configs/accelerate/ddp.yaml")
    with pytest.raises(ValueError, match="SLURM"):
        worker_command(resolve({"nodes": 2}, {}), [], {})
    with pytest.raises(ValueError, match="processes_per_node"):
        resolve({"processes_per_node": 0}, {})
    with pytest.raises(FileNotFoundError, match="accelerate_config"):
        resolve({"accelerate_config": "configs/accelerate/none.yaml"}, {})


def _curve(out):
    return [(int(r["step"]), float(r["loss"])) for r in csv.DictReader(open(out / "loss.csv"))]


@pytest.mark.slow
def test_two_gloo_workers_match_a_single_process_run(ft, tiny_qwen2_checkpoint, train_file, tmp_path):
    from safetensors.torch import load_file

    p = ft.params(max_steps=4, batch_size=1, max_seq_length=128, global_batch_tokens=256, learning_rate=5e-3)
    runs = {}
    for name, launch in (("single", {}), ("two", {"processes_per_node": 2,
                                                  "accelerate_config": "configs/accelerate/fsdp.yaml"})):
        out = tmp_path / name
        code = main(["finetune", "--data", str(train_file), "--base", str(tiny_qwen2_checkpoint),
                     "--params", json.dumps(p | {"launch": launch}), "--out", str(out)])
        assert code == 0
        runs[name] = out
    one, two = (json.loads((runs[n] / "summary.json").read_text()) for n in ("single", "two"))
    assert (one["processes"], two["processes"]) == (1, 2)
    assert one["gradient_accumulation_steps"] == 2 and two["gradient_accumulation_steps"] == 1
    assert one["global_step"] == two["global_step"] == 4
    single, double = _curve(runs["single"]), _curve(runs["two"])
    print("loss curves: single", single, "two workers", double)
    assert [s for s, _ in single] == [s for s, _ in double] == [1, 2, 3, 4]
    assert single[-1][1] < single[0][1] - 0.05  # lr 5e-3: the loss moves, so agreement means something
    for (_, a), (_, b) in zip(single, double):
        assert b == pytest.approx(a, rel=2e-3)  # same sequences per step; only float summation order differs
    base = load_file(str(tiny_qwen2_checkpoint / "model.safetensors"))
    merged = {n: load_file(str(runs[n] / "model" / "model.safetensors")) for n in runs}
    assert (runs["two"] / "adapter" / "adapter_config.json").is_file() and not (runs["two"] / "trained.partial").exists()
    name = "model.layers.0.self_attn.q_proj.weight"
    moved = (merged["single"][name] - base[name]).abs().max().item()
    apart = (merged["two"][name] - merged["single"][name]).abs().max().item()
    print(f"merged q_proj: moved {moved:.3g} from the base, single vs two workers {apart:.3g}")
    assert moved > 1e-3 and apart < 0.02 * moved


def test_the_slurm_profile_asks_for_a_multi_node_gpu_job():
    """The sbatch line the SLURM plugin builds from profiles/slurm for the finetune rule (its own code)."""
    from types import SimpleNamespace

    import yaml
    from snakemake_executor_plugin_slurm.submit_string import get_submit_command
    from snakemake_executor_plugin_slurm.utils import set_gres_string

    class Resources(dict):
        def __getattr__(self, name):
            return self[name]

    profile = yaml.safe_load((PROJECT_ROOT / "profiles" / "slurm" / "config.yaml").read_text())
    resources = Resources(profile["default-resources"] | profile["set-resources"]["finetune"])
    job = SimpleNamespace(resources=resources, threads=profile["set-threads"]["finetune"])
    params = {"run_uuid": "r", "slurm_logfile": "l", "comment_str": "c", "account": "", "partition": "",
              "workdir": None}
    sbatch = (get_submit_command(job, params) + set_gres_string(job)).split()  # as the executor submits
    nodes = resources["nodes"]
    assert f"--nodes={nodes}" in sbatch and f"--ntasks={nodes}" in sbatch  # one launcher task per node
    assert "--gres=gpu:h100:8" in sbatch and "--cpus-per-task=64" in sbatch
    assert sbatch[sbatch.index("--mem") + 1] == "512000" and sbatch[sbatch.index("-t") + 1] == "1440"
    # the jobstep runs an `mpi` job's command as it is, so the launcher's own srun spans the nodes
    assert "mpi" in resources
