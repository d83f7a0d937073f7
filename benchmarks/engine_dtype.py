"""bfloat16 against float32 for the vLLM engine on this machine: prefill and decode speed, each dtype in its own
process one after the other, so that `engine.dtype: native` (vllm_backend.resolve_dtype) can be checked on a
new CPU.

    .venv/bin/python benchmarks/engine_dtype.py --model results/model/<hash>/checkpoint [--prompts 20]

Work per dtype: one engine start (in-process backend, config.yaml's engine settings but the dtype), then
  - prefill: `--prompts` chats of ~190 prompt tokens each in one call, 1 new token each (one engine step: the
    step that outlasted vLLM's 300 s on an AVX2 CPU in bfloat16);
  - decode: 4 chats, 64 greedy tokens each.
Prints one JSON line per dtype and the float32/bfloat16 ratios (BENCHMARKS.md "Generation").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Write a Python function that returns the sum of the squares of the odd numbers in a list. " * 8


def measure(model: str, dtype: str, prompts: int) -> dict:
    sys.path.insert(0, str(ROOT / "workflow"))
    from mtcodegen.generate.backends.base import SamplingParams
    from mtcodegen.generate.backends.vllm_backend import VLLMBackend, cpu_flags

    started = time.perf_counter()
    backend = VLLMBackend(model, {"dtype": dtype, "enforce_eager": True, "max_model_len": 4096, "kv_cache_gb": 2,
                                  "seed": 0})
    start_s = time.perf_counter() - started
    chats = [[{"role": "user", "content": f"Problem {i}. " + TEXT}] for i in range(prompts)]
    backend.chat(chats[:1], [SamplingParams(temperature=0.0, max_tokens=1, seed=1)])  # warm-up
    t = time.perf_counter()
    out = backend.chat(chats, [SamplingParams(temperature=0.0, max_tokens=1, seed=i) for i in range(prompts)])
    prefill_s = time.perf_counter() - t
    prompt_tokens = sum(c[0].prompt_tokens for c in out)
    t = time.perf_counter()
    out = backend.chat(chats[:4], [SamplingParams(temperature=0.0, max_tokens=64, seed=i) for i in range(4)])
    decode_s = time.perf_counter() - t
    generated = sum(c[0].completion_tokens for c in out)
    backend.close()
    flags = sorted(cpu_flags() & {"avx2", "avx512f", "avx512_bf16", "amx_bf16"})
    return {"dtype": dtype, "device": backend.device, "cpu_flags": flags, "start_s": round(start_s, 1),
            "prefill_s": round(prefill_s, 1), "prompt_tokens": prompt_tokens,
            "prefill_tok_s": round(prompt_tokens / prefill_s, 1), "decode_s": round(decode_s, 1),
            "generated_tokens": generated, "decode_tok_s": round(generated / decode_s, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a checkpoint directory (results/model/<hash>/checkpoint)")
    parser.add_argument("--prompts", type=int, default=20)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure this dtype in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(args.model, args.one, args.prompts)))
        return 0
    rows = {}
    for dtype in ("bfloat16", "float32"):  # each in a fresh process: one engine per process, nothing cached
        proc = subprocess.run([sys.executable, __file__, "--model", args.model, "--prompts", str(args.prompts),
                               "--one", dtype], capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        rows[dtype] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(rows[dtype]))
    ratio = {k: round(rows["float32"][k] / rows["bfloat16"][k], 2) for k in ("prefill_tok_s", "decode_tok_s")}
    print(json.dumps({"float32_over_bfloat16": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
