"""DAG build time of the paper-scale config (configs/paper.yaml): `snakemake -n` from nothing to the job list.

Target: <= 30 s for >= 5,000 jobs. Three measurements in the same run, so the ratios hold on a loaded machine:
  plan       build_plan(configs/paper.yaml) in this process (what the Snakefile does at parse time)
  dry run    `snakemake -n --quiet all` on the checkout, in a private copy (no lock on the real .snakemake)
  naive      the same dry run with node hashes recomputed on every access (provenance.Node before caching)
  paramspace snakemake.utils.Paramspace.instance per cell, the usual way to build a grid, on a sample
Both wall and CPU seconds are reported: on a shared machine the CPU time is the stable number.

    .venv/bin/python benchmarks/dag_build.py [--skip-naive] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
CONFIG = "configs/paper.yaml"
COPIED = ("Snakefile", "config.yaml", "workflow", "prompts", "envs", "configs", "profiles")


def make_copy(base: Path) -> Path:
    root = base / "project"
    root.mkdir(parents=True)
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif src.exists():
            shutil.copy2(src, root / name)
    return root


def dry_run(root: Path) -> dict[str, float]:
    """Wall and CPU seconds of `snakemake -n` on the paper config in ``root``, and the number of jobs."""
    env = dict(os.environ, PYTHONPATH=str(root / "workflow"), HF_HUB_OFFLINE="1")
    cmd = [str(Path(sys.executable).parent / "snakemake"), "-n", "--quiet", "all", "--configfile", CONFIG,
           "--workflow-profile", "none"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"snakemake -n failed in {root}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    totals = re.findall(r"^total\s+(\d+)$", proc.stdout + proc.stderr, flags=re.M)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "jobs": int(totals[-1]) if totals else 0}


def naive_copy(base: Path) -> Path:
    """A copy whose Node recomputes spec and hash on every access (no cached_property)."""
    root = make_copy(base)
    prov = root / "workflow" / "mtcodegen" / "provenance.py"
    text = prov.read_text()
    if "@cached_property" not in text:
        raise SystemExit("provenance.py no longer caches node hashes: update the naive variant")
    prov.write_text(text.replace("@cached_property", "@property"))
    return root


def plan_time() -> dict[str, float]:
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    start_wall, start_cpu = time.perf_counter(), time.process_time()
    plan = build_plan(load_config(ROOT / CONFIG))
    paths = [plan.path(n) for nodes in plan.nodes.values() for n in nodes.values()]
    return {
        "wall_s": round(time.perf_counter() - start_wall, 2),
        "cpu_s": round(time.process_time() - start_cpu, 2),
        "nodes": len(paths),
        "cells": len(plan.cells),
    }


def paramspace_time(sample: int = 300) -> dict[str, float]:
    """Paramspace over the paper's cells: seconds per instance() call, and that times the number of jobs."""
    import pandas as pd
    from snakemake.utils import Paramspace

    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    plan = build_plan(load_config(ROOT / CONFIG))
    rows = [{k: str(v) for k, v in c.label.items() if k != "name"} for c in plan.cells]
    space = Paramspace(pd.DataFrame(rows), filename_params="*")
    patterns = list(space.instance_patterns)[:sample]
    wildcards = [dict(re.findall(r"([^/~]+)~([^/~]+)", p)) for p in patterns]
    start = time.process_time()
    for w in wildcards:
        space.instance(w)
    per_call = (time.process_time() - start) / len(wildcards)
    return {"ms_per_instance": round(per_call * 1000, 2), "sampled": len(wildcards)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-naive", action="store_true", help="skip the uncached-hash baseline")
    parser.add_argument("--json", help="write the results here as JSON")
    args = parser.parse_args()

    results: dict[str, object] = {
        "machine": f"{platform.node()} {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, Python {platform.python_version()}",
        "plan": plan_time(),
    }
    with tempfile.TemporaryDirectory(prefix="dag-build-") as tmp:
        results["dry_run"] = dry_run(make_copy(Path(tmp) / "current"))
        if not args.skip_naive:
            results["naive_dry_run"] = dry_run(naive_copy(Path(tmp) / "naive"))
    results["paramspace"] = paramspace_time()
    jobs = results["dry_run"]["jobs"]
    results["paramspace"]["extrapolated_s"] = round(results["paramspace"]["ms_per_instance"] * jobs / 1000, 1)
    if "naive_dry_run" in results:
        results["speedup_vs_naive_cpu"] = round(results["naive_dry_run"]["cpu_s"] / results["dry_run"]["cpu_s"], 2)
    results["target_met"] = jobs >= 5000 and results["dry_run"]["wall_s"] <= 30
    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
