"""Cell throughput: the generate stage against its own engine, in the same process and run (issue #16).

    nice python benchmarks/cell_throughput.py [--model .cache/test-models/qwen2.5-coder-0.5b-instruct]
        [--problems 12] [--problems-8 3] [--problems-3 8] [--max-tokens 48] [--dtype bfloat16]
        [--default-run-s 1173] [--json out.json]

One vLLM engine is started once (the default model, config.yaml's engine settings) and serves every side:

- ``batch``: the first-turn prompts of the cell (system prompt, problem, code-block convention: exactly the
  messages the loop sends), one trajectory seed each, all in **one offline ``LLM.chat`` call**: the engine's
  own rate, the reference;
- ``after``: the same problems through ``generate_cell`` (1 turn; shards, trajectories in flight, the real
  nsjail public judge beside generation, shard files written): the pipeline as it runs now;
- ``before``: the same through the previous stage, turn-synchronous shards of 4 problems one after the other
  (``loop.run_batch`` per shard, as stage.py did before trajectories were in flight);

each for 1 sample per problem and for 8 (fewer problems, ``--problems-8``), and a 3-turn cell (failed_tests
feedback) ``before`` and ``after`` against the batch rate. The ratio is completion tokens/s of a side over the
batch's. The prefix cache is reset between sides, so that no side reuses another's prefill.

Engine start-ups: the measured start-up of this engine times the number of generate jobs of config.yaml (one
engine each) as a share of the default run's wall time (``--default-run-s``: BENCHMARKS.md "Default run"),
and the number of engine start-ups configs/paper.yaml implies (per cell now; per model with one engine per
model).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
DEFAULT_MODEL = ROOT / ".cache" / "test-models" / "qwen2.5-coder-0.5b-instruct"
ENGINE = {"backend": "vllm", "dtype": "bfloat16", "enforce_eager": True, "max_model_len": 4096, "kv_cache_gb": 2}
EXECUTION = {"sandbox": "nsjail", "time_limit_s": 2.0, "time_limit_factor": 1.0, "memory_limit_mb": 1024,
             "output_limit_kb": 1024, "max_processes": 16, "workers": 0}


def problems_file(tmp: Path, source: Path) -> Path:
    """The 20 MBPP sample problems, normalized by the data stage (as the pipeline's cells read them)."""
    out = tmp / "mbpp.jsonl.gz"
    prepare = {"dataset": "mbpp_sample", "format": "sandboxfusion_mbpp", "split": "test",
               "source": {"files": {"test": str(source)}}}
    subprocess.run([sys.executable, "-m", "mtcodegen.cli", "prepare-data", "--params", json.dumps(prepare), "--out",
                    str(out), "--report", str(tmp / "report.json")], check=True, capture_output=True)
    return out


def params_for(turns: int, samples: int, max_tokens: int, limit: int) -> dict:
    return {"cell": {"reasoning": "none", "instruction": "none", "feedback": "failed_tests", "turns": turns,
                     "cot_retry": False, "limit": limit, "samples": None},
            "sampling": {"samples": samples, "temperature": 1.0, "top_p": 0.95, "max_tokens": max_tokens, "seed": 0},
            "engine": ENGINE, "execution": EXECUTION}


def side_batch(backend, problems, params) -> dict:
    from mtcodegen.generate.backends.base import SamplingParams
    from mtcodegen.generate.loop import ask_code, call_seed, new_trajectories, turn_prompts
    from mtcodegen.generate.prompts import PromptLibrary

    prompts = PromptLibrary().for_cell(params["cell"])
    sampling = params["sampling"]
    trajectories = new_trajectories(problems, sampling["samples"], sampling["seed"], prompts.system)
    reasoning, instruction = turn_prompts(prompts, 1)
    for t in trajectories:
        ask_code(t, prompts, reasoning, instruction)
    sp = [SamplingParams(temperature=1.0, top_p=0.95, max_tokens=sampling["max_tokens"], seed=call_seed(t.seed, 1, 1))
          for t in trajectories]
    backend.llm.reset_prefix_cache()
    started = time.perf_counter()
    out = backend.chat([t.messages for t in trajectories], sp)
    wall = time.perf_counter() - started
    tokens = sum(row[0].completion_tokens for row in out)
    return {"side": "batch", "sequences": len(trajectories), "completion_tokens": tokens, "wall_s": round(wall, 1),
            "tokens_per_s": round(tokens / wall, 2)}


def side_after(backend, problems_path, params, tmp: Path, label: str) -> dict:
    from mtcodegen.generate.backends.base import Borrowed
    from mtcodegen.generate.judging import SandboxPublicJudge
    from mtcodegen.generate.stage import generate_cell

    backend.llm.reset_prefix_cache()
    out = tmp / label / "trajectories.jsonl.gz"
    started = time.perf_counter()
    stats = generate_cell(problems_path, params, out, backend_factory=lambda: Borrowed(backend),
                          judge_factory=lambda: SandboxPublicJudge(params["execution"]), cell_name=label)
    wall = time.perf_counter() - started
    return {"side": "after", "trajectories": stats["trajectories"], "attempts": stats["attempts"],
            "completion_tokens": stats["completion_tokens"], "wall_s": round(wall, 1),
            "tokens_per_s": round(stats["completion_tokens"] / wall, 2)}


def side_before(backend, problems_path, params, shard_problems: int = 4) -> dict:
    """The previous stage: shards of 4 problems, each turn-synchronous, one shard after the other."""
    from mtcodegen.generate.judging import SandboxPublicJudge
    from mtcodegen.generate.loop import BatchStats, run_batch
    from mtcodegen.generate.prompts import PromptLibrary
    from mtcodegen.generate.stage import select_problems
    from mtcodegen.jsonl import read_jsonl

    problems, _ = select_problems(list(read_jsonl(problems_path)), params["cell"]["limit"])
    prompts = PromptLibrary().for_cell(params["cell"])
    judge = SandboxPublicJudge(params["execution"])
    backend.llm.reset_prefix_cache()
    stats, records = BatchStats(), []
    started = time.perf_counter()
    try:
        for i in range(0, len(problems), shard_problems):
            records += run_batch(problems[i:i + shard_problems], cell=params["cell"], sampling=params["sampling"],
                                 prompts=prompts, backend=backend, judge=judge, stats=stats)
    finally:
        judge.close()
    wall = time.perf_counter() - started
    return {"side": "before", "trajectories": len(records), "attempts": sum(len(r["attempts"]) for r in records),
            "completion_tokens": stats.completion_tokens, "backend_calls": stats.backend_calls,
            "wall_s": round(wall, 1), "tokens_per_s": round(stats.completion_tokens / wall, 2)}


def engine_starts(config_path: Path) -> dict:
    from mtcodegen.config import load_config
    from mtcodegen.plan import build_plan

    plan = build_plan(load_config(config_path))
    generate = list(plan.nodes.get("generate", {}).values())
    models = {json.dumps(n.inputs.get("model"), sort_keys=True) for n in generate}
    return {"config": str(config_path.relative_to(ROOT)), "generate_jobs": len(generate), "models": len(models)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--problems", type=int, default=12, help="problems of the 1-sample cell")
    parser.add_argument("--problems-8", type=int, default=3, help="problems of the 8-sample cell")
    parser.add_argument("--problems-3", type=int, default=8, help="problems of the 3-turn cell")
    parser.add_argument("--max-tokens", type=int, default=48)
    parser.add_argument("--dtype", default="bfloat16", choices=["bfloat16", "float32"])
    parser.add_argument("--default-run-s", type=float, default=1173.0,
                        help="the default run's wall time to compare engine start-ups with (BENCHMARKS.md)")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "mbpp_sample20.jsonl"),
                        help="MBPP rows (SandboxFusion format) to build the problems from")
    parser.add_argument("--engine", default="{}", help="JSON merged into the engine options (GPU: see gpu_cell_throughput.sh)")
    parser.add_argument("--sandbox", default="nsjail", choices=["nsjail", "unsafe_local"], help="the public judge's")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: s1,s8,turns3")
    parser.add_argument("--json")
    args = parser.parse_args()
    from mtcodegen.generate.backends import load_backend
    from mtcodegen.jsonl import read_jsonl

    skip = set(filter(None, args.skip.split(",")))
    ENGINE["dtype"] = args.dtype
    for key, value in json.loads(args.engine).items():  # null drops a key (GPU: kv_cache_gb, enforce_eager)
        if value is None:
            ENGINE.pop(key, None)
        else:
            ENGINE[key] = value
    EXECUTION["sandbox"] = args.sandbox
    results: dict = {"machine": f"{platform.node()} {os.cpu_count()} cores, "
                                f"{next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), '?')}",
                     "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "model": args.model,
                     "engine": ENGINE, "max_tokens": args.max_tokens, "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="cell-throughput-") as tmp_name:
        tmp = Path(tmp_name)
        path = problems_file(tmp, Path(args.data))
        all_problems = list(read_jsonl(path))
        started = time.perf_counter()
        backend = load_backend(args.model, ENGINE)
        results["startup_s"] = round(time.perf_counter() - started, 1)
        results["describe"] = backend.describe()
        print(json.dumps({"startup_s": results["startup_s"]}), flush=True)
        try:
            for part, turns, samples, count in (("s1", 1, 1, args.problems), ("s8", 1, 8, args.problems_8),
                                                ("turns3", 3, 1, args.problems_3)):
                if part in skip:
                    continue
                params = params_for(turns, samples, args.max_tokens, count)
                from mtcodegen.generate.stage import select_problems

                chosen, _ = select_problems(all_problems, count)
                row = {"batch": side_batch(backend, chosen, params)}
                row["before"] = side_before(backend, path, params)
                row["after"] = side_after(backend, path, params, tmp, part)
                for side in ("before", "after"):
                    row[side]["ratio_to_batch"] = round(row[side]["tokens_per_s"] / row["batch"]["tokens_per_s"], 3)
                row.update(turns=turns, samples=samples, problems=count)
                results[part] = row
                print(json.dumps({part: row}), flush=True)
        finally:
            backend.close()
    starts = {"default": engine_starts(ROOT / "config.yaml"), "paper": engine_starts(ROOT / "configs" / "paper.yaml")}
    d = starts["default"]
    d["startup_share_of_default_run"] = round(d["generate_jobs"] * results["startup_s"] / args.default_run_s, 3)
    d["startup_share_one_engine_per_model"] = round(d["models"] * results["startup_s"] / args.default_run_s, 3)
    p = starts["paper"]
    p["startup_hours_per_cell_engine_at_this_startup"] = round(p["generate_jobs"] * results["startup_s"] / 3600, 1)
    p["startup_hours_one_engine_per_model"] = round(p["models"] * results["startup_s"] / 3600, 2)
    results["engine_starts"] = starts
    results["loadavg_after"] = os.getloadavg()
    print(json.dumps(results, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
