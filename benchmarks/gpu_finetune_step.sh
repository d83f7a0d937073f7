#!/usr/bin/env bash
# One short GPU check of the finetune stage (BENCHMARKS.md, "Finetuning"): the CPU baseline and the CUDA
# runs in the same session, so that the ratio compares like with like. No hub access is needed. About
# 2 minutes on one modern GPU; every run has its own timeout.
#   here:  benchmarks/gpu_wheels.sh            (TRL, datasets... for the GPU image's Python, into .whl/)
#   there: bash benchmarks/gpu_finetune_step.sh   (device run with carry [".whl"]; results also in $OUT)
# Uses the project venv where there is one (a CUDA torch in it), else the machine's python3 plus the
# carried wheels.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=python3
if [ -f .venv/bin/python ]; then
  PYTHON=.venv/bin/python
elif [ -d .whl ]; then
  "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site
fi
export PYTHONUNBUFFERED=1
"$PYTHON" -c "import torch, transformers, trl, peft; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'transformers', transformers.__version__, 'trl', trl.__version__, 'peft', peft.__version__)"
LOG="${OUT:-/tmp}/gpu_finetune_step.jsonl"
run() { timeout 240 "$PYTHON" benchmarks/gpu_finetune_step.py "$@" | tee -a "$LOG"; }
run --device cpu --shape tiny --batch 4 --seq 512 --steps 3
run --device cuda --shape tiny --batch 4 --seq 512 --steps 4
run --device cuda --shape qwen2.5-0.5b --method lora --batch 4 --seq 1024 --steps 4
run --device cuda --shape qwen2.5-0.5b --method full --batch 4 --seq 1024 --steps 4
run --device cuda --shape qwen2.5-0.5b --method lora --batch 1 --seq 8192 --steps 3
run --device cuda --shape qwen2.5-0.5b --method full --batch 1 --seq 8192 --steps 3
