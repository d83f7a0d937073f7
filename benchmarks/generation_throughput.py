"""Generation throughput: the vLLM backend vs plain transformers `generate()`, same model, prompts, sampling.

    nice python benchmarks/generation_throughput.py [--model .cache/test-models/qwen2.5-coder-0.5b-instruct]
        [--prompts 8] [--max-tokens 128] [--dtype float32|bfloat16] [--only vllm|transformers] [--json out.json]

Work: ``--prompts`` coding questions built from the shared CodeContests/MBPP samples (../shared/data), each a
system + user chat, sampled at temperature 1.0 / top-p 0.95 for ``--max-tokens`` tokens, all in one call to
the backend (as the multi-turn loop does for a turn). vLLM gets a per-conversation seed (as the loop gives
it); the transformers baseline batches all prompts in one left-padded `generate()` without seeds (its best
case: seeds would force one call per conversation). Each backend runs in its own subprocess, one after the
other, so that start-up is measured cold and memory is released. Reported per backend: start-up (engine or
model load), time to first token (a 1-token request right after start-up), aggregate completion tokens/s of
the batch, and the machine's load average before and after. Target: vLLM >= 5x the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workflow"))
DEFAULT_MODEL = ROOT / ".cache" / "test-models" / "qwen2.5-coder-0.5b-instruct"
SYSTEM = "You are an expert Python programmer. Answer with one Python code block."
ENGINES = {
    "vllm": {"backend": "vllm", "dtype": "float32", "enforce_eager": True, "max_model_len": 2048, "kv_cache_gb": 2},
    "transformers": {"backend": "transformers", "dtype": "float32", "batch_size": 64},
}


def prompts(count: int) -> list[list[dict[str, str]]]:
    """Coding questions from the shared sample data (statements cut to keep prompts of realistic length)."""
    data = ROOT.parent / "shared" / "data"
    statements = []
    for path in sorted(data.rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            text = row.get("content") or row.get("description") or row.get("text") or row.get("prompt")
            if isinstance(text, str) and text.strip():
                statements.append(text.strip()[:1200])
    if not statements:
        statements = [f"Write a Python function that returns the {i}-th prime number." for i in range(1, 65)]
    return [[{"role": "system", "content": SYSTEM}, {"role": "user", "content": statements[i % len(statements)]}]
            for i in range(count)]


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def run_one(name: str, model: str, count: int, max_tokens: int, dtype: str) -> dict:
    """In the child process: start the backend, time a first token, then the batch."""
    from mtcodegen.generate.backends import SamplingParams, load_backend

    ENGINES[name]["dtype"] = dtype

    load_before = loadavg()
    started = time.time()
    backend = load_backend(model, ENGINES[name])
    startup_s = time.time() - started
    conversations = prompts(count)
    t = time.time()
    backend.chat(conversations[:1], [SamplingParams(max_tokens=1, seed=0)])
    first_token_s = time.time() - t
    seeded = name == "vllm"
    params = [SamplingParams(temperature=1.0, top_p=0.95, max_tokens=max_tokens, seed=i if seeded else None)
              for i in range(count)]
    t = time.time()
    out = backend.chat(conversations, params)
    batch_s = time.time() - t
    backend.close()
    tokens = sum(c.completion_tokens for row in out for c in row)
    return {
        "backend": name, "engine": ENGINES[name], "startup_s": round(startup_s, 1),
        "first_token_s": round(first_token_s, 2), "batch_s": round(batch_s, 1), "conversations": count,
        "completion_tokens": tokens, "prompt_tokens": sum(row[0].prompt_tokens for row in out),
        "tokens_per_s": round(tokens / batch_s, 2), "loadavg_before": load_before, "loadavg_after": loadavg(),
        "sample": out[0][0].text[:300],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="both backends")
    parser.add_argument("--only", choices=sorted(ENGINES))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_one(args.child, args.model, args.prompts, args.max_tokens, args.dtype)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    if not (Path(args.model) / "config.json").is_file():
        sys.exit(f"no checkpoint at {args.model}: run the tests once (fixture qwen05b_checkpoint) or "
                 "`mtcodegen materialize-model` first")
    results = []
    for name in [args.only] if args.only else ["vllm", "transformers"]:
        command = [sys.executable, __file__, "--child", name, "--model", args.model, "--prompts", str(args.prompts),
                   "--max-tokens", str(args.max_tokens), "--dtype", args.dtype]
        done = subprocess.run(command, capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
        if done.returncode != 0 or line is None:
            sys.stderr.write(done.stderr[-4000:])
            sys.exit(f"{name} run failed (exit {done.returncode})")
        results.append(json.loads(line[len("RESULT "):]))
        print(json.dumps(results[-1], indent=1), flush=True)
    summary = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "model": args.model, "dtype": args.dtype, "prompts": args.prompts, "max_tokens": args.max_tokens,
        "results": results,
    }
    if len(results) == 2:
        summary["speedup"] = round(results[0]["tokens_per_s"] / results[1]["tokens_per_s"], 2)
        print(f"vLLM / transformers aggregate tokens/s: {summary['speedup']}x")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
