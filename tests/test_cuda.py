"""What only a CUDA device can check: fp16 training with the gradient scaler, AMP, and a model
on the GPU giving the CPU's outputs. Skipped without CUDA (CI has none; `benchmarks/gpu.sh`
runs these on a lent GPU)."""

from __future__ import annotations

import math

import pytest
import torch
from helpers import random_pipeline, tiny_config

import zoo
from zoo.trainer.monitor import read_metrics

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device; there is none")


@pytest.mark.parametrize("precision", ["fp16", "amp"])
def test_fp16_training_with_the_gradient_scaler_on_cuda_gives_finite_losses(precision, tmp_path):
    """``fp16`` and ``amp`` both train in fp16 with a gradient scaler on CUDA (``amp`` is bf16 only on a CPU)."""
    config = tiny_config(f"train.precision={precision}", "train.device=cuda")
    run = zoo.train(config, out=tmp_path / "run")
    metrics = read_metrics(run)
    assert len(metrics) == 8 and all(math.isfinite(v) for m in metrics for v in m["losses"].values())
    assert zoo.load(run, device="cuda").device.type == "cuda"


def test_a_generator_on_the_gpu_gives_the_cpus_output():
    pipe = random_pipeline("pix2pix", ["G.name=unet", "G.num_downs=5", "G.ngf=8", "data.size=64"])
    image = torch.rand(1, 3, 64, 64)
    on_cpu = pipe(image, output_type="pt")
    tf32 = torch.backends.cudnn.allow_tf32
    torch.backends.cudnn.allow_tf32 = False  # full fp32 convolutions, as on the CPU
    try:
        on_gpu = pipe.to("cuda")(image, output_type="pt").cpu()
    finally:
        torch.backends.cudnn.allow_tf32 = tf32
    assert torch.allclose(on_cpu, on_gpu, atol=1e-4)
