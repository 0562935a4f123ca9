"""MATLAB's bicubic ``imresize`` in torch, and the uint8 round trip SinGAN's official code wraps it in.

The definition (MATLAB's ``imresize``, bicubic, antialiasing on), one dimension at a time:

- output size ``ceil(in * scale)`` when a scale is given; the scale ``out / in`` when a size is;
- output pixel ``x`` (1-based) sits at input position ``u = x / scale + 0.5 * (1 - 1 / scale)``:
  the image's edges (not its first and last pixel centres) map onto each other;
- it is the sum of the input pixels ``j`` (1-based) around ``u`` weighted by Keys' cubic kernel
  (a = -0.5, support 2) of ``u - j``; the kernel covers 4 pixels, and ``ceil(4) + 2`` taps starting
  at ``floor(u - 2)`` are taken so that partly covered pixels are seen;
- shrinking (scale < 1) low-passes: the kernel is stretched to ``scale * cubic(scale * d)`` and
  its width to ``4 / scale``, so it covers the input pixels that fall into one output pixel;
- the weights of each output pixel are divided by their sum (so flat stays flat, also at the
  edges), taps outside the image read the image mirrored with its edge pixel repeated
  (``symmetric``: ... 2 1 | 1 2 3 ... n | n n-1 ...), and taps with zero weight everywhere are dropped;
- the dimension with the smaller scale goes first (the cheaper order), ties height first, and a
  dimension whose scale is exactly 1 is left alone.

SinGAN ships a Python port of it (``SinGAN/imresize.py``, from Assaf Shocher's ``Resizer``) that
differs in two places, both reproduced by ``variant="singan"``:

- taps before the first pixel do not read the mirror: the port casts the negative tap indices to
  ``uint64`` before it computes their distance, so on x86-64 they wrap to about 1.8e19, the kernel
  of that distance is 0, and the remaining weights are renormalised (taps past the last pixel are
  mirrored as MATLAB does). The official outputs in ``tests/data/parity/singan`` show it: with the
  mirror on both sides they are off by up to 0.08;
- whether to antialias is decided by the height's scale, for both dimensions.

The weight tables are computed in float64 with numpy, with the same operations in the same order
as the port (``|d| ** 3`` is ``pow``, the weight sum is numpy's pairwise sum), and the taps are
accumulated one after the other in float64 as numpy's ``sum`` over them does: SinGAN truncates
every resized image to uint8, so a last-bit difference can move a pixel by a whole 1/255.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
import torch

Variant = Literal["matlab", "singan"]
Pair = tuple[float, float]

KERNEL_WIDTH = 4.0
"""Pixels the bicubic kernel covers at scale 1 (support [-2, 2])."""


def cubic(d: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (MATLAB's ``cubic``):
    ``1.5|d|^3 - 2.5|d|^2 + 1`` up to 1, ``-0.5|d|^3 + 2.5|d|^2 - 4|d| + 2`` up to 2, 0 beyond."""
    ad = np.abs(d)
    ad2 = ad**2
    ad3 = ad**3
    near = (1.5 * ad3 - 2.5 * ad2 + 1) * (ad <= 1)
    far = (-0.5 * ad3 + 2.5 * ad2 - 4 * ad + 2) * ((ad > 1) & (ad <= 2))
    return near + far


@lru_cache(maxsize=512)
def contributions(
    in_length: int, out_length: int, scale: float, antialias: bool, variant: Variant = "matlab"
) -> tuple[np.ndarray, np.ndarray]:
    """The weights (``out_length`` x taps, float64) and 0-based input indices (int64) that make each
    output pixel of one dimension; see the module's docstring for each step."""
    if antialias:  # shrinking: a wider, lower kernel, so that no input pixel is skipped
        kernel_width = KERNEL_WIDTH * (1.0 / scale)

        def kernel(d: np.ndarray) -> np.ndarray:
            return scale * cubic(scale * d)
    else:
        kernel_width, kernel = KERNEL_WIDTH, cubic
    x = np.arange(1, out_length + 1, dtype=np.float64)  # 1-based output pixel centres
    u = x / scale + 0.5 * (1 - 1.0 / scale)  # where they fall on the input, edges on edges
    left = np.floor(u - kernel_width / 2)
    taps = np.ceil(kernel_width) + 2  # one more each side: partly covered pixels
    first = left[:, None] + np.arange(taps) - 1  # 0-based index of each tap (pixel j + 1 in 1-based terms)
    weights = kernel(u[:, None] - first - 1)
    if variant == "singan":
        weights = np.where(first < 0, 0.0, weights)  # the port's uint64 wrap: zero weight before the first pixel
    total = np.sum(weights, axis=1)
    total[total == 0] = 1.0
    weights = weights / total[:, None]
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])  # 0 1 .. n-1 n-1 .. 0
    indices = mirror[np.mod(first.astype(np.int64), 2 * in_length)]
    used = np.any(weights != 0, axis=0)  # taps no output pixel weighs are dropped
    return weights[:, used], indices[:, used]


def resized_shape(
    in_size: Sequence[int], scale: float | Pair | None = None, size: Sequence[int] | None = None
) -> tuple[Pair, tuple[int, int]]:
    """The (height, width) scales and output size: ``ceil(in * scale)`` from a scale, ``out / in``
    from a size (both given: both used, the scale for the positions and kernel)."""
    if scale is None and size is None:
        raise ValueError("give a scale or an output size")
    if scale is not None:
        scales = (float(scale), float(scale)) if isinstance(scale, (int, float)) else tuple(float(s) for s in scale)
        if len(scales) != 2 or min(scales) <= 0:
            raise ValueError(f"scale={scale}: give one positive factor or (height, width) factors")
    if size is None:
        size = tuple(math.ceil(n * s) for n, s in zip(in_size, scales, strict=True))
    size = tuple(int(n) for n in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"size={size}: give a positive (height, width)")
    if scale is None:
        scales = tuple(out / n for out, n in zip(size, in_size, strict=True))
    return scales, size  # type: ignore[return-value]


def _work_dtype(device: torch.device) -> torch.dtype:
    """float64, as the definition; float32 where there is no float64 — on MPS, and in an exported
    graph (TensorRT has no FP64) — which can move a level by 1/255 there: not bit-exact."""
    exporting = torch.compiler.is_exporting() or torch.onnx.is_in_onnx_export()
    return torch.float32 if device.type == "mps" or exporting else torch.float64


def _along(x: torch.Tensor, dim: int, weights: np.ndarray, indices: np.ndarray) -> torch.Tensor:
    """One dimension resized: the taps gathered and summed one after the other (numpy's order)."""
    w = torch.as_tensor(weights, dtype=x.dtype, device=x.device)
    idx = torch.as_tensor(indices, device=x.device)
    shape = [1] * x.ndim
    shape[dim] = w.shape[0]
    out = None
    for k in range(w.shape[1]):
        term = x.index_select(dim, idx[:, k]) * w[:, k].view(shape)
        out = term if out is None else out + term
    return out  # type: ignore[return-value]


def imresize(
    image: torch.Tensor,
    scale: float | Pair | None = None,
    size: Sequence[int] | None = None,
    antialias: bool = True,
    variant: Variant = "matlab",
) -> torch.Tensor:
    """MATLAB's ``imresize(image, scale)`` / ``imresize(image, [h w])``, bicubic, of a float batch
    (N, C, H, W), on any device: no rounding and no clamping (values may overshoot, as MATLAB's on
    floats do). Computed in float64, returned in ``image``'s dtype. ``antialias``: widen the kernel
    when shrinking, as MATLAB does by default. ``variant="singan"``: the boundary and antialiasing
    of SinGAN's Python port (see the module's docstring)."""
    if image.ndim != 4:
        raise ValueError(f"expected an (N, C, H, W) batch, got shape {tuple(image.shape)}")
    in_size = tuple(image.shape[-2:])
    scales, out_size = resized_shape(in_size, scale, size)
    x = image.to(_work_dtype(image.device))
    # the port decides on the height's scale for both dimensions; MATLAB on each dimension's own
    shrinking = [scales[0] < 1] * 2 if variant == "singan" else [s < 1 for s in scales]
    for axis in sorted(range(2), key=lambda a: scales[a]):  # smaller scale first; stable: height on ties
        if scales[axis] == 1.0:
            continue
        weights, indices = contributions(
            in_size[axis], out_size[axis], scales[axis], antialias and shrinking[axis], variant
        )
        x = _along(x, axis - 2, weights, indices)
    return x.to(image.dtype)


def to_levels(image: torch.Tensor) -> torch.Tensor:
    """An image in [-1, 1] as SinGAN's ``torch2uint8`` makes it: ``uint8(255 * clamp((x + 1) / 2, 0, 1))``
    in float32, truncated (not rounded: each round trip loses half a level on average). Returned
    as float32 whole numbers 0..255 (``floor`` truncates as the cast does on these non-negative
    values), so that an exported graph needs no uint8 tensors."""
    return (255 * ((image.float() + 1) / 2).clamp(0, 1)).floor()


def from_levels(levels: torch.Tensor) -> torch.Tensor:
    """Resized levels back to [-1, 1] as SinGAN's ``np2torch`` does: ``/ 255`` in float64, to float32,
    then ``(x - 0.5) * 2`` clamped to [-1, 1] (the bicubic overshoot is cut here, not before)."""
    return ((levels / 255).float() - 0.5).mul(2).clamp(-1, 1)


def singan_imresize(
    image: torch.Tensor, scale: float | Pair | None = None, size: Sequence[int] | None = None
) -> torch.Tensor:
    """SinGAN's ``imresize(im, scale)`` (``size``: ``imresize_to_shape``) for a batch in [-1, 1]:
    each image to uint8 levels, resized by the port's variant of MATLAB's bicubic, back to [-1, 1]
    and clamped. The official code does this every time an image changes scale (building the
    pyramid of reals, moving each scale's output up, injecting an image), also at scale 1, where
    only the round trip happens. Returned in ``image``'s dtype (float32 values)."""
    levels = to_levels(image).to(_work_dtype(image.device))
    resized = imresize(levels, scale, size, antialias=True, variant="singan")
    return from_levels(resized).to(image.dtype)
