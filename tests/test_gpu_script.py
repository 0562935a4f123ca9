"""``benchmarks/gpu.sh``'s logic without a GPU: its arguments, its skip on a machine without CUDA,
and its timing code on tiny models on the CPU (the same functions that run on the GPU)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_gpu_sh_refuses_wrong_arguments_with_its_usage():
    for args in ([], ["a", "b"], ["a", "--no-install", "c"]):
        done = subprocess.run(["bash", str(BENCHMARKS / "gpu.sh"), *args], capture_output=True, text=True)
        assert done.returncode == 2 and "usage: benchmarks/gpu.sh OUT_DIR [--no-install]" in done.stderr


def test_without_cuda_it_writes_why_nothing_was_measured(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is present: gpu.sh measures instead")
    env = {**os.environ, "PYTHON": sys.executable}  # the interpreter running these tests, not PATH's
    done = subprocess.run(["bash", str(BENCHMARKS / "gpu.sh"), str(tmp_path / "out"), "--no-install"],
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "out" / "gpu.json").read_text())
    assert record["status"] == "skipped" and record["reason"].startswith("no CUDA device")
    assert {"cpu", "threads", "load_average"} <= set(record["machine"])


def test_its_timing_code_runs_on_tiny_models_on_the_cpu_and_writes_every_part(tmp_path):
    command = [sys.executable, str(BENCHMARKS / "gpu.py"), "--out", str(tmp_path), "--device", "cpu", "--tiny"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=BENCHMARKS)
    assert done.returncode == 0, done.stdout + done.stderr
    inference = json.loads((tmp_path / "inference.json").read_text())["result"]
    assert [row["case"] for row in inference] == ["pix2pix", "SPADE"]
    assert all(row["status"] == "ok" and row["fp32_ms"] > 0 and row["fp16"] == "CUDA only" for row in inference)
    training = json.loads((tmp_path / "training.json").read_text())["result"]
    assert all(row["status"] == "ok" and row["iteration_s"] > 0 for row in training)
    assert json.loads((tmp_path / "gpu.json").read_text())["parts"] == {"inference": "ok", "training": "ok"}
