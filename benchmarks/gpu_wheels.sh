#!/usr/bin/env bash
# Fetches, here, the wheels the GPU check (gpu_finetune_step.sh) needs on a lent GPU machine and that its image
# lacks: TRL and datasets (with dill, multiprocess and a pyarrow new enough for datasets), for its Python 3.12,
# at the versions of requirements/lock.txt. They land in .whl/ (git-ignored, ~58 MB); name it in the device
# call's carry. The image already has torch (CUDA), transformers, peft, accelerate, tokenizers.
set -euo pipefail
cd "$(dirname "$0")/.."
pin() { grep -i "^$1==" requirements/lock.txt; }
mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
  -d .whl "$(pin trl)" "$(pin datasets)" "$(pin dill)" "$(pin multiprocess)" "$(pin pyarrow)"
du -sh .whl
