#!/usr/bin/env bash
# GPU check of issue #16 (BENCHMARKS.md, "Cell throughput"): the generate stage vs one offline LLM.chat on the
# same engine, and vLLM vs transformers generate(), on one GPU, in one short run (~6 min on an H200).
# PREPARED, NOT RUN YET: no GPU was lent to the session that wrote it.
#
# The GPU image has torch but no vLLM, and nothing can be fetched there, so both travel from here (carry):
#   here:  mkdir -p .gpu && python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#            --platform manylinux_2_28_x86_64 -d .gpu/wheels vllm==<a version built for the image's torch>
#          (and its missing deps: `unzip -p .gpu/wheels/vllm-*.whl '*/METADATA' | grep ^Requires-Dist`)
#          split -b 60M .gpu/wheels/vllm-*.whl .gpu/vllm.part.   # each piece <= 64 MiB, one call carries one set
#          cp ../shared/data/mbpp_sample20.jsonl .gpu/            # ../shared does not travel
#   there: bash benchmarks/gpu_cell_throughput.sh                 (run with carry [".gpu"]; JSON lines in $OUT)
# The model is Qwen2.5-0.5B's architecture with random weights, built on the GPU machine (no weights travel):
# throughput depends on the shapes, not on the values; answers are noise, so judge verdicts do not matter.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1 PYTHONPATH=/tmp/site:$PWD/workflow
if [ -d .gpu ] && ! python3 -c "import vllm" 2>/dev/null; then
  cat .gpu/vllm.part.* > /tmp/"$(cd .gpu/wheels 2>/dev/null && ls vllm-*.whl || echo vllm-0-py3-none-any.whl)"
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    /tmp/vllm-*.whl .gpu/wheels/*.whl 2>/dev/null || python3 -m pip install -q --no-index --no-deps --target /tmp/site /tmp/vllm-*.whl
fi
python3 -c "import torch, vllm; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'vllm', vllm.__version__)"
MODEL=/tmp/qwen05b-random
timeout 120 python3 - "$MODEL" <<'PY'
import sys, torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
cfg = AutoConfig.for_model("qwen2", hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                           num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                           max_position_embeddings=32768, tie_word_embeddings=True, torch_dtype="bfloat16")
model = AutoModelForCausalLM.from_config(cfg).to(torch.bfloat16)
model.save_pretrained(sys.argv[1])
# a byte-level tokenizer with a chat template: gpt2's files are not on the image, so build a tiny one
from tokenizers import Tokenizer, models, pre_tokenizers, decoders
tok = Tokenizer(models.BPE()); tok.pre_tokenizer = pre_tokenizers.ByteLevel(); tok.decoder = decoders.ByteLevel()
from tokenizers import trainers
tok.train_from_iterator(["def f(x):\n    return x + 1\n" * 50], trainers.BpeTrainer(vocab_size=1000, special_tokens=["<|im_end|>"]))
from transformers import PreTrainedTokenizerFast
fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|im_end|>")
fast.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant: "
fast.save_pretrained(sys.argv[1])
print("random-weight model at", sys.argv[1])
PY
LOG="${OUT:-/tmp}/gpu_cell_throughput.jsonl"
GPU_ENGINE='{"enforce_eager": null, "kv_cache_gb": null, "gpu_memory_utilization": 0.85}'
timeout 300 python3 benchmarks/cell_throughput.py --model "$MODEL" --data .gpu/mbpp_sample20.jsonl \
  --sandbox unsafe_local --engine "$GPU_ENGINE" --max-tokens 256 --problems 20 --problems-8 20 \
  --json "${OUT:-/tmp}/gpu_cell_throughput.json" | tee -a "$LOG"
timeout 240 python3 benchmarks/generation_throughput.py --model "$MODEL" --dtype bfloat16 --prompts 64 \
  --max-tokens 256 --json "${OUT:-/tmp}/gpu_generation_throughput.json" | tee -a "$LOG"
