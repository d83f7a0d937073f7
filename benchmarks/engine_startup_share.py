"""Engine start-ups as a share of a default-run-sized DAG's wall time, one engine per cell vs per model (issue #16.2).

    flock /work/team/engine.lock nice -n 19 python benchmarks/engine_startup_share.py --mode cell --out DIR
    flock /work/team/engine.lock nice -n 19 python benchmarks/engine_startup_share.py --mode model --out DIR

The DAG: config.yaml's grid (the 3-turn cell, the two single-turn CoT cells) and its RFT generator cell as a
grid block, 20 MBPP problems each, on SmolLM2-135M (the test model, .cache/test-models; the default model
takes 7 minutes to build), only up to the generate outputs (problems, model, 4 generate jobs: the default
run's base-model cells). ``--mode cell`` sets ``share_engine: false`` (every job its own in-process engine, as
before), ``--mode model`` the default (one engine for the model). Each mode runs in its own results directory
``DIR/<mode>`` (the hashes are the same: share_engine is a speed setting). Start-ups are what each engine
reports: "vLLM engine ready in N s" in a cell's log (cell mode), ``results/engines/starts.jsonl`` (model mode).
Prints one JSON line; ``--json`` writes it too. ``--compare DIR/cell DIR/model``: whether both modes wrote
the same trajectories, cell by cell.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
MODEL = ".cache/test-models/smollm2-135m-instruct"
RFT_BLOCK = {"name": "rft_generator", "datasets": ["mbpp/train"], "reasoning": ["explain_io_pairs"],
             "instruction": ["step_by_step"], "feedback": ["failed_tests"], "turns": [3], "cot_retry": True}


def bench_config(results: Path, share: bool, limit: int) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    engine = {"dtype": "bfloat16", "enforce_eager": True, "max_model_len": 2048, "kv_cache_gb": 1}
    if not share:
        engine["share_engine"] = False
    config["models"] = {"smollm2": {"source": {"local": MODEL}, "backend": "vllm", "engine": engine}}
    generator = config["rft"]["generator"]
    config["grid"].append(RFT_BLOCK | {"limit": generator["limit"]})
    for block in config["grid"]:
        block["models"] = ["smollm2"]
        block["limit"] = limit
    config["rft"] = {"enabled": False}
    config.pop("finetune", None)
    config["results_dir"] = str(results)
    return config


def generate_targets(config: dict) -> list[str]:
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    load_config(config, root=ROOT)
    plan = build_plan(config, root=ROOT)
    return [plan.path(node, "trajectories.jsonl.gz") for node in plan.nodes["generate"].values()]


def startups(results: Path, mode: str) -> list[float]:
    if mode == "model":
        path = results / "engines" / "starts.jsonl"
        return [json.loads(line)["ready_s"] for line in path.read_text().splitlines()] if path.exists() else []
    found = []
    for log in sorted((results / "logs" / "generate").glob("*.log")):
        found += [float(m) for m in re.findall(r"vLLM engine ready in ([0-9.]+)s", log.read_text())]
    return found


def compare(a: Path, b: Path) -> dict:
    """Cell by cell (by name: the code fingerprint may differ between the runs), whether the two results
    directories hold the same trajectories (problem, sample, seed, finish, messages, every attempt's text)."""
    from mtcodegen.jsonl import read_jsonl

    def cells(root: Path) -> dict:
        out = {}
        for path in sorted(root.glob("generate/*/trajectories.jsonl.gz")):
            records = list(read_jsonl(path))
            if records:
                out[records[0]["cell_name"]] = [
                    (r["problem_id"], r["sample"], r["seed"], r["finish"], r["messages"],
                     [(t["response"], t["prompt_tokens"], t["completion_tokens"]) for t in r["attempts"]])
                    for r in records]
        return out

    left, right = cells(a), cells(b)
    both = sorted(set(left) & set(right))  # a run stopped early has fewer
    same = {name: left[name] == right[name] for name in both}
    return {"cells_compared": len(both), "same": sum(same.values()), "differ": [n for n, ok in same.items() if not ok],
            "trajectories": sum(len(left[n]) for n in both), "only_in_one": sorted(set(left) ^ set(right))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, metavar="RESULTS", help="only compare two runs' trajectories")
    parser.add_argument("--mode", choices=["cell", "model"])
    parser.add_argument("--out", help="a directory of its own (DIR/<mode> must not exist)")
    parser.add_argument("--limit", type=int, default=20, help="problems a cell (config.yaml: 20)")
    parser.add_argument("--json", help="also write the result line here")
    args = parser.parse_args()
    if args.compare:
        print(json.dumps(compare(*map(Path, args.compare))))
        return
    if not args.mode or not args.out:
        parser.error("--mode and --out are required (or --compare A B)")
    results = Path(args.out).resolve() / args.mode
    if results.exists():
        raise SystemExit(f"{results} exists: pick another --out (a rerun would find the results and start nothing)")
    results.mkdir(parents=True)
    config = bench_config(results, args.mode == "model", args.limit)
    config_path = results / "config.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    targets = generate_targets(config)
    load = os.getloadavg()[0]
    started = time.time()
    # --nolock: other runs in this checkout lock its .snakemake; these outputs are under DIR only
    run = subprocess.run([sys.executable, "-m", "snakemake", *targets, "--nolock", "--cores", "2", "--configfile",
                          str(config_path)], cwd=ROOT, capture_output=True, text=True)  # --configfile takes a list
    wall = time.time() - started
    (results / "snakemake.log").write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise SystemExit(f"snakemake failed ({run.returncode}); log {results / 'snakemake.log'}:\n{run.stderr[-3000:]}")
    starts = startups(results, args.mode)
    jobs = [json.loads((Path(t).parent / "stats.json").read_text()) for t in targets]
    result = {
        "mode": args.mode, "cells": len(targets), "engine_starts": len(starts),
        "startup_s": [round(s, 1) for s in starts], "startup_total_s": round(sum(starts), 1),
        "wall_s": round(wall, 1), "startup_share": round(sum(starts) / wall, 3),
        "generation_wall_s": [j["generation_wall_s"] for j in jobs],
        "completion_tokens": sum(j["completion_tokens"] for j in jobs),
        "load_before": round(load, 1), "load_after": round(os.getloadavg()[0], 1),
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
    }
    line = json.dumps(result)
    print(line)
    if args.json:
        Path(args.json).write_text(line + "\n")


if __name__ == "__main__":
    main()
