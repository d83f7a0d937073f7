"""Measure what one default-grid cell costs on this machine (sizing config.yaml's grid), with the real
vLLM backend and the real nsjail judge.

usage: python tests/generate/measure_cell_cost.py MODEL_DIR CC_PROBLEMS MBPP_PROBLEMS OUT_DIR [MAX_TOKENS [LIMIT]]
Prints one JSON line per cell: wall time, process CPU time (the honest number on a shared machine: wall time
there depends on the other jobs), engine start-up, tokens, tok/s, finishes. LIMIT problems per cell.
"""

import json
import logging
import sys
import time
from pathlib import Path

from mtcodegen.generate.backends.vllm_backend import VLLMBackend
from mtcodegen.generate.judging import SandboxPublicJudge
from mtcodegen.generate.stage import generate_cell

EXECUTION = {"sandbox": "nsjail", "time_limit_s": 2.0, "time_limit_factor": 1.0, "memory_limit_mb": 1024,
             "output_limit_kb": 1024, "max_processes": 16, "workers": 2}
ENGINE = {"dtype": "float32", "enforce_eager": True, "max_model_len": 4096, "kv_cache_gb": 2}



class SharedBackend:
    """One engine for all cells: generate_cell closes its backend at the end of a cell."""

    def __init__(self, backend):
        self.backend, self.name = backend, backend.name

    def chat(self, conversations, params):
        return self.backend.chat(conversations, params)

    def close(self):
        pass


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    model_dir, cc, mbpp, out_dir = sys.argv[1:5]
    max_tokens = int(sys.argv[5]) if len(sys.argv) > 5 else 256
    limit = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    started = time.perf_counter()
    engine = VLLMBackend(model_dir, dict(ENGINE))
    backend = SharedBackend(engine)
    startup = time.perf_counter() - started
    cells = {
        "cc.multi_turn.t=3": (cc, {"reasoning": "none", "instruction": "none", "feedback": "failed_tests",
                                   "turns": 3, "cot_retry": False, "limit": limit, "samples": None}),
        "mbpp.cot.explain_io_pairs.t=1": (mbpp, {"reasoning": "explain_io_pairs", "instruction": "none",
                                                 "feedback": "failed_tests", "turns": 1, "cot_retry": False,
                                                 "limit": limit, "samples": None}),
        "mbpp.plain.t=1": (mbpp, {"reasoning": "none", "instruction": "none", "feedback": "failed_tests",
                                  "turns": 1, "cot_retry": False, "limit": limit, "samples": None}),
    }
    print(json.dumps({"engine_startup_s": round(startup, 1)}), flush=True)
    for name, (problems, cell) in cells.items():
        params = {"cell": cell, "sampling": {"samples": 1, "temperature": 1.0, "top_p": 0.95,
                                              "max_tokens": max_tokens, "seed": 0}}
        t0, cpu0 = time.perf_counter(), time.process_time()
        stats = generate_cell(problems, params, Path(out_dir) / name / "trajectories.jsonl.gz",
                              backend_factory=lambda: backend, judge_factory=lambda: SandboxPublicJudge(EXECUTION),
                              cell_name=name)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        print(json.dumps({"cell": name, "wall_s": round(wall, 1), "completion_tokens": stats["completion_tokens"],
                          "prompt_tokens": stats["prompt_tokens"], "tok_per_s": round(stats["completion_tokens"] / wall, 1),
                          "cpu_s": round(cpu, 1), "tok_per_cpu_s": round(stats["completion_tokens"] / cpu, 2),
                          "attempts": stats["attempts"], "finish": stats["finish"],
                          "verdicts": stats["public_verdicts"], "extraction": stats["extraction"]}), flush=True)
    engine.close()
