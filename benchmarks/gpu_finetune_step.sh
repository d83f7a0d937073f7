#!/usr/bin/env bash
# One short GPU check of the finetune stage (BENCHMARKS.md, "Finetuning"): the CPU baseline and the CUDA
# runs in the same session, so that the ratio compares like with like. Needs the project venv with a CUDA
# torch (no hub access). About 2 minutes on one modern GPU; every run has its own timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && source .venv/bin/activate
run() { timeout 240 python benchmarks/gpu_finetune_step.py "$@"; }
run --device cpu --shape tiny --batch 4 --seq 512 --steps 3
run --device cuda --shape tiny --batch 4 --seq 512 --steps 4
run --device cuda --shape qwen2.5-0.5b --method lora --batch 4 --seq 1024 --steps 4
run --device cuda --shape qwen2.5-0.5b --method full --batch 4 --seq 1024 --steps 4
run --device cuda --shape qwen2.5-0.5b --method full --batch 1 --seq 8192 --steps 3
