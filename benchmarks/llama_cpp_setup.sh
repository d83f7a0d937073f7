#!/usr/bin/env bash
# Builds llama.cpp's Python binding and OpenAI-compatible server into its own venv (.cache/llama-cpp-venv),
# for benchmarks/generation_throughput.py --only llama_cpp. Not part of the default setup: llama-cpp-python has
# no wheel on PyPI, so pip compiles llama.cpp from source (~8 min on 2 idle cores).
# CPU flags: AVX2/AVX-512 (with VNNI and BF16) but not -march=native: this VM's CPU reports AMX, yet its kernel
# does not let a process use the AMX tiles, and a native build dies with SIGILL on `tilezero` in ggml's AMX
# matmul. Override with LLAMA_CPP_CMAKE_ARGS (e.g. "-DGGML_NATIVE=ON" where AMX works, or on other CPUs).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${LLAMA_CPP_VENV:-$ROOT/.cache/llama-cpp-venv}"
VERSION="${LLAMA_CPP_VERSION:-0.3.36}"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --upgrade pip
FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
FLAGS="$FLAGS -DGGML_AVX512=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON"
CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" CMAKE_ARGS="${LLAMA_CPP_CMAKE_ARGS:-$FLAGS}" \
  "$VENV/bin/pip" install --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==$VERSION"
"$VENV/bin/pip" install --quiet "llama-cpp-python[server]==$VERSION"
"$VENV/bin/python" -c "import llama_cpp; print('llama_cpp', llama_cpp.__version__)"
