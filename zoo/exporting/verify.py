"""Comparing an exported graph with PyTorch on fresh random inputs at the graph's test sizes."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

import numpy as np
import torch
from pydantic import Field

from zoo.exporting.exporter import Check
from zoo.graph import GraphSpec

PSNR_CAP = 200.0
"""Identical outputs are reported at this PSNR (strict JSON has no infinity)."""
TOLERANCES = {"fp32": (1e-3, 60.0), "fp16": (0.1, 35.0), "int8": (1.0, 20.0)}
"""Per precision: the largest absolute error allowed (images in [-1, 1]) and the lowest PSNR
against the fp32 PyTorch output; fp16 and int8 are judged mostly by PSNR."""
MaxAbsOption = Annotated[
    float | None, Field(ge=0, description="largest absolute error allowed against PyTorch (default: by precision)")
]
MinPsnrOption = Annotated[float | None, Field(description="lowest PSNR in dB against PyTorch (default: by precision)")]


def tolerances(precision: str, max_abs: float | None, min_psnr: float | None) -> tuple[float, float]:
    """The largest absolute error and the lowest PSNR a check of ``precision`` must meet."""
    default_abs, default_psnr = TOLERANCES[precision]
    return (default_abs if max_abs is None else max_abs, default_psnr if min_psnr is None else min_psnr)


def compare(
    spec: GraphSpec, reference: torch.nn.Module, run: Callable[[list[np.ndarray]], torch.Tensor], batch: int = 2
) -> list[Check]:
    """``run`` (numpy inputs in the graph's order -> output) against ``reference`` at each test size."""
    checks = []
    for seed, size in enumerate(spec.test_sizes(), start=1):
        inputs = spec.example(batch, size, seed=seed)
        with torch.inference_mode():
            expected = reference(*inputs).float()
        got = run([x.numpy() for x in inputs]).float()
        if got.shape != expected.shape:
            error = f"the output has shape {tuple(got.shape)}, PyTorch's {tuple(expected.shape)}"
            checks.append(Check(size, None, None, None, error))
            continue
        if not torch.isfinite(got).all():
            checks.append(Check(size, None, None, None, "the output has NaN or infinite values"))
            continue
        error = (got - expected).abs()
        checks.append(Check(size, float(error.max()), float(error.mean()), psnr(got, expected)))
    return checks


def psnr(got: torch.Tensor, expected: torch.Tensor) -> float:
    """PSNR in dB of images in [-1, 1] (peak-to-peak 2), capped at :data:`PSNR_CAP`."""
    mse = float(((got - expected) ** 2).mean())
    return min(PSNR_CAP, 10 * math.log10(4.0 / mse)) if mse else PSNR_CAP
