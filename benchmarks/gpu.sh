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
py=${PYTHON:-python3}
start=$(date +%s)
missing=$("$py" -c "
import importlib.util as u
print(' '.join(m for m in ('torch', 'setuptools', 'rich', 'pydantic', 'typer', 'pluggy', 'pytest', 'yaml')
               if u.find_spec(m) is None))")
if [ -n "$missing" ]; then
    echo "{\"status\": \"failed\", \"reason\": \"not installed here: $missing\"}" >"$out/gpu.json"
    echo "gpu.sh needs, and cannot download: $missing" >&2
    exit 1
fi
if [ $# -eq 1 ]; then
    if ! "$py" -m pip install --no-deps --no-build-isolation -e . >"$out/install.log" 2>&1; then
        echo "installing zoo failed: see $out/install.log" >&2
        exit 1
    fi
fi
# 8 minutes in all: what installing took comes off the budget, and a hung part is killed.
left=$((${ZOO_GPU_SECONDS:-480} - ($(date +%s) - start)))
exec timeout "$left" "$py" benchmarks/gpu.py --out "$out" --budget "$((left - 30))"
