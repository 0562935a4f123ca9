#!/usr/bin/env bash
# One command for a lent GPU machine (no network; torch, timm, onnx, onnxruntime already there):
# install zoo without dependencies, run the CUDA-only tests, time every family on the GPU, and
# write JSON and logs under OUT_DIR -- within 8 minutes.
#   benchmarks/gpu.sh OUT_DIR [--no-install]
set -uo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ] || { [ $# -eq 2 ] && [ "$2" != "--no-install" ]; }; then
    echo "usage: benchmarks/gpu.sh OUT_DIR [--no-install]" >&2
    exit 2
fi
out=$1
mkdir -p "$out" || { echo "cannot create $out" >&2; exit 2; }
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
if [ $# -eq 1 ]; then
    if ! python -m pip install --no-deps --no-build-isolation -e . >"$out/install.log" 2>&1; then
        echo "installing zoo failed: see $out/install.log" >&2
        exit 1
    fi
fi
exec python benchmarks/gpu.py --out "$out" --budget "${ZOO_GPU_BUDGET:-450}"
