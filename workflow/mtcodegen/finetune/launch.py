"""How a finetune runs: in this process, or as ``accelerate launch`` workers on one or several nodes.

``finetune.<name>.launch`` (docs/rft.md, "Scale"):
  accelerate_config   an accelerate config file (configs/accelerate/fsdp.yaml, zero3.yaml); FSDP/ZeRO-3
                      shard weights, gradients and optimizer state so that a 70B model fits
  processes_per_node  "auto" (default): the GPUs this job was given (SLURM_GPUS_ON_NODE, else the visible
                      CUDA devices, else 1); or a number (the CPU test runs 2 gloo processes)
  nodes               "auto" (default): SLURM_NNODES, else 1
  port                the rendezvous port ("auto": a free one on one node, 29500 across nodes)

One process and no accelerate config: the trainer runs in this process (the default CPU run). Otherwise this
process is only the launcher: it starts the workers (`mtcodegen finetune --worker`, one `accelerate launch` per
node through `srun` on SLURM), waits for them, and the stage's outputs are what rank 0 wrote. On the CPU
accelerate runs the workers as DDP over gloo whatever the config says (FSDP and ZeRO-3 need GPUs): the CPU
test exercises the launcher, the process group, the sharded data and the rank-0 writing, not the sharding.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..config import PROJECT_ROOT

# Several processes without a config: plain data parallelism (DDP; gloo on the CPU).
DDP_CONFIG = "configs/accelerate/ddp.yaml"


def in_worker(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return "LOCAL_RANK" in env and "WORLD_SIZE" in env


def _count(value: Any, key: str, fallback: int) -> int:
    if value in (None, "auto"):
        return fallback
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"finetune launch.{key} must be a positive integer or 'auto', got {value!r}")
    return value


def _gpus_here(env: dict[str, str]) -> int:
    if env.get("SLURM_GPUS_ON_NODE", "").isdigit():
        return int(env["SLURM_GPUS_ON_NODE"])
    try:
        import torch

        return torch.cuda.device_count() or 1
    except ImportError:
        return 1


def resolve(launch: dict[str, Any] | None, env: dict[str, str] | None = None,
            root: str | Path | None = None) -> dict[str, Any]:
    """The launch plan: processes per node, nodes, config file (absolute: a relative one is resolved against
    ``root``, the project by default), port."""
    env = dict(os.environ if env is None else env)
    launch = dict(launch or {})
    unknown = sorted(set(launch) - {"accelerate_config", "processes_per_node", "nodes", "port"})
    if unknown:
        raise ValueError(f"unknown finetune launch keys {unknown}")
    config = launch.get("accelerate_config")
    wanted = _count(launch.get("processes_per_node", "auto"), "processes_per_node", 1) * _count(
        launch.get("nodes", "auto"), "nodes", 1)
    if config is None and wanted > 1:
        config = DDP_CONFIG
    if config is not None:
        path = Path(config) if Path(config).is_absolute() else Path(root or PROJECT_ROOT) / config
        if not path.is_file():
            raise FileNotFoundError(f"finetune launch.accelerate_config not found: {path}")
        config = str(path)
    nodes_env = int(env["SLURM_NNODES"]) if env.get("SLURM_NNODES", "").isdigit() else 1
    return {
        "accelerate_config": config,
        "processes_per_node": _count(launch.get("processes_per_node", "auto"), "processes_per_node",
                                     _gpus_here(env) if config else 1),
        "nodes": _count(launch.get("nodes", "auto"), "nodes", nodes_env),
        "port": _count(launch.get("port", "auto"), "port", 29500 if nodes_env > 1 else _free_port()),
    }


def _free_port() -> int:
    """A free local port for a one-node rendezvous (two finetunes on one machine must not collide)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def distributed(plan: dict[str, Any]) -> bool:
    return bool(plan["accelerate_config"]) or plan["processes_per_node"] * plan["nodes"] > 1


def worker_command(plan: dict[str, Any], finetune_args: list[str], env: dict[str, str] | None = None) -> list[str]:
    """The argv that starts the workers. On several nodes: one accelerate launcher per node via srun, each
    with its SLURM_NODEID as machine rank and the allocation's first host as the rendezvous."""
    env = dict(os.environ if env is None else env)
    nodes, per_node = plan["nodes"], plan["processes_per_node"]
    launch = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", plan["accelerate_config"],
              "--num_processes", str(nodes * per_node), "--num_machines", str(nodes),
               "--main_process_port", str(plan["port"])]
    script = ["-m", "mtcodegen.cli", "finetune", "--worker", *finetune_args]
    if nodes == 1:
        return launch + ["--machine_rank", "0", "--main_process_ip", "127.0.0.1"] + script
    if "SLURM_JOB_NODELIST" not in env:
        raise ValueError(f"finetune on {nodes} nodes needs a SLURM allocation (SLURM_JOB_NODELIST is not set)")
    head = subprocess.run(["scontrol", "show", "hostnames", env["SLURM_JOB_NODELIST"]], capture_output=True,
                          text=True, check=True).stdout.split()[0]
    per_node_cmd = (shlex.join(launch + ["--main_process_ip", head]) + ' --machine_rank "$SLURM_NODEID" '
                    + shlex.join(script))
    return ["srun", f"--nodes={nodes}", "--ntasks-per-node=1", "--kill-on-bad-exit=1", "bash", "-c",
            "exec " + per_node_cmd]


def run_workers(plan: dict[str, Any], finetune_args: list[str]) -> None:
    command = worker_command(plan, finetune_args)
    print("finetune: launching " + shlex.join(command), file=sys.stderr, flush=True)
    # The workers' stdout is their log too; only rank 0 writes outputs (train.py).
    code = subprocess.run(command, env=os.environ | {"PYTHONUNBUFFERED": "1"}).returncode
    if code:
        raise RuntimeError(f"finetune workers failed with exit status {code} (their output is above)")
