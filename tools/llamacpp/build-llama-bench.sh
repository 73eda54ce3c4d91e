#!/usr/bin/env bash
# Builds llama.cpp's own llama-bench for this CPU (-DGGML_NATIVE=ON) from the llama.cpp source that
# node-llama-cpp ships as a git bundle, offline: the prebuilt npm binaries are built for generic CPUs.
# Usage: tools/llamacpp/build-llama-bench.sh [BUILD_DIR]   (about 15 minutes on 2 cores)
# Then:  BUILD_DIR/src/build/bin/llama-bench -m MODEL.gguf -p 128 -n 64 -t 2 -r 5
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/node_modules/node-llama-cpp/llama/gitRelease.bundle"
out="${1:-/tmp/kvlens-llama-bench}"
if [ ! -f "$bundle" ]; then
  echo "build-llama-bench: $bundle missing; run npm install in $here first" >&2
  exit 2
fi
mkdir -p "$out"
[ -d "$out/src" ] || git -c advice.detachedHead=false clone -q "$bundle" "$out/src"
cmake -S "$out/src" -B "$out/src/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF > "$out/cmake.log"
cmake --build "$out/src/build" --target llama-bench -j "$(nproc)" > "$out/build.log"
echo "$out/src/build/bin/llama-bench"
