"""Starts the vLLM backend on a checkpoint, prints 'ready', then waits to be killed. usage: MODEL_DIR"""

import sys
import time

from mtcodegen.generate.backends import load_backend

if __name__ == "__main__":
    backend = load_backend(sys.argv[1], {"backend": "vllm", "dtype": "float32", "enforce_eager": True,
                                         "max_model_len": 512, "kv_cache_gb": 1})
    print("ready", flush=True)
    time.sleep(600)
