"""A private copy of the workflow per test, so that tests can edit prompts, data and code and run Snakemake.

The copy holds what the plan and the rules read (Snakefile, workflow/, prompts/, envs/, configs/, profiles/)
plus a `../shared` link to the real sample data, so relative dataset paths resolve as in the checkout.
Jobs run the copy's own package (PYTHONPATH), so a code edit in the copy is what the jobs execute.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
COPIED = ("Snakefile", "config.yaml", "workflow", "prompts", "envs", "configs", "profiles")
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake", "results")

# One dataset file, two splits carved from it, a second dataset, and a grid that uses both prompt kinds.
TINY_CONFIG = {
    "datasets": {
        "cc": {
            "format": "sandboxfusion_code_contests",
            "files": {"test": "data/cc.jsonl"},
            "splits": ["test"],
            "limit": 6,
            "partition": {"from": "test", "parts": {"train": 2, "eval": 4}},
        },
        "mbpp": {"format": "sandboxfusion_mbpp", "files": {"test": "data/mbpp.jsonl"}, "splits": ["test"], "limit": 4},
    },
    "models": {"tiny": {"source": {"local": "models/tiny"}}},
    "sampling": {"samples": 1},
    "grid": [
        {
            "name": "g",
            "models": ["tiny"],
            "datasets": ["cc/eval", "mbpp/test"],
            "reasoning": ["none", "explain_io_pairs"],
            "instruction": ["none", "step_by_step"],
            "feedback": ["failed_tests"],
            "turns": [1, 3],
        }
    ],
    "execution": {"sandbox": "unsafe_local"},
    "metrics": {},
}


@dataclass
class WorkflowCopy:
    root: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(self.root / "workflow")
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        env.pop("SNAKEMAKE_PROFILE", None)
        env.update(self.extra_env)
        return env

    def write_config(self, name: str, config: dict) -> Path:
        path = self.root / name
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def snakemake(
        self, *options: str, targets: list[str] = (), check: bool = True, timeout: int = 600
    ) -> subprocess.CompletedProcess:
        # The copy's own default profile: its rerun-triggers are part of what is tested.
        cmd = [str(VENV_BIN / "snakemake"), "--cores", "2", "--workflow-profile", "profiles/default", *options]
        cmd += ["--", *targets]
        proc = subprocess.run(cmd, cwd=self.root, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc

    def planned_jobs(self, *options: str, targets: list[str] = ()) -> dict[str, int]:
        """Job counts per rule that a dry run would execute (empty: nothing to do)."""
        return parse_job_stats(self.snakemake("-n", *options, targets=targets).stdout)

    def data_targets(self, config: Path) -> list[str]:
        """The problems files of every prepared and partitioned split: the cheap stage, run for real."""
        nodes = self.plan(config)["nodes"]
        return [
            f"results/{stage}/{h}/problems.jsonl.gz"
            for stage in ("problems", "partition")
            for h in sorted(nodes.get(stage, {}).values())
        ]

    def plan(self, config: Path) -> dict[str, dict[str, str]]:
        """stage -> node name -> hash, computed by the copy's own package in a fresh interpreter."""
        script = textwrap.dedent(
            f"""
            import json, sys
            from mtcodegen.config import load_config
            from mtcodegen.plan import build_plan
            plan = build_plan(load_config({str(config)!r}, root={str(self.root)!r}), root={str(self.root)!r})
            out = {{s: {{}} for s in plan.nodes}}
            edges = []
            for stage, nodes in plan.nodes.items():
                for h, n in nodes.items():
                    out[stage][n.name] = h
                    edges += [[h, up] for up in n.inputs.values()]
            json.dump({{"nodes": out, "edges": edges}}, sys.stdout)
            """
        )
        proc = subprocess.run(
            [sys.executable, "-c", script], cwd=self.root, env=self.env, capture_output=True, text=True, timeout=120
        )
        if proc.returncode != 0:
            raise AssertionError(f"planning {config} failed:\n{proc.stderr[-4000:]}")
        return json.loads(proc.stdout)


def parse_job_stats(output: str) -> dict[str, int]:
    """The 'Job stats' table of a Snakemake run: rule -> count (empty when there is nothing to do)."""
    counts: dict[str, int] = {}
    lines = output.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith("Job stats:"))
    except StopIteration:
        return counts
    for line in lines[start + 3 :]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def copy_project(root: Path, names=COPIED) -> Path:
    """The checkout's `names` (files or folders; missing ones are left out) copied into `root`, made here,
    without caches or results."""
    root.mkdir(parents=True)
    for name in names:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=IGNORED)
        elif source.exists():
            shutil.copy2(source, root / name)
    return root


def make_copy(base: Path, shared_data: Path) -> WorkflowCopy:
    root = copy_project(base / "project")
    (base / "shared").symlink_to(shared_data.parent)
    # Private copies of the sample data, so that tests may edit them.
    (root / "data").mkdir()
    shutil.copy2(shared_data / "code_contests_sample20.jsonl", root / "data" / "cc.jsonl")
    shutil.copy2(shared_data / "mbpp_sample20.jsonl", root / "data" / "mbpp.jsonl")
    # A "local" model: planning reads only its config.json (no weights are needed to plan).
    (root / "models" / "tiny").mkdir(parents=True)
    (root / "models" / "tiny" / "config.json").write_text('{"model_type": "tiny"}\n')
    return WorkflowCopy(root)
