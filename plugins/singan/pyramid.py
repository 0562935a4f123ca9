"""SinGAN's scales: their sizes, and moving images between them."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from zoo.errors import ConfigError

from .imresize import singan_imresize


def pyramid(
    height: int, width: int, min_size: int = 25, max_size: int = 250, scale_factor: float = 0.75
) -> tuple[list[tuple[int, int]], float]:
    """The (height, width) of every scale, coarsest first, and the factor between neighbours.

    As the official code: the image is first shrunk to ``max_size`` on its long side; the number
    of scales takes the coarsest's short side to about ``min_size`` at ``scale_factor``, and the
    factor is then recomputed so that it does so exactly.
    """
    num_scales = math.ceil(math.log(min_size / min(height, width), scale_factor)) + 1
    scale_to_stop = math.ceil(math.log(min(max_size, max(height, width)) / max(height, width), scale_factor))
    stop = num_scales - scale_to_stop
    scale1 = min(max_size / max(height, width), 1.0)
    top = (math.ceil(height * scale1), math.ceil(width * scale1))
    if stop < 1 or min(top) <= min_size:
        raise ConfigError(
            f"a {width}x{height} image is {top[1]}x{top[0]} at G.max_size={max_size}, leaving no room for scales "
            f"down to G.min_size={min_size}: raise G.max_size, lower G.min_size, or crop the image"
        )
    factor = (min_size / min(top)) ** (1 / stop)
    sizes = [tuple(int(v) for v in np.ceil(np.array(top) * factor ** (stop - i))) for i in range(stop + 1)]
    return sizes, factor  # type: ignore[return-value]


def channels(scale: int, nfc: int = 32, max_nfc: int = 128) -> int:
    """Width of a scale's networks: doubled every four scales, up to ``max_nfc``."""
    return min(nfc * 2 ** (scale // 4), max_nfc)


Resize = Literal["matlab", "torch"]
"""How images change scale: ``matlab``, the official code's MATLAB-style bicubic ``imresize`` with
its uint8 round trip and clamp (``imresize.singan_imresize``); ``torch``, torch's antialiased
bicubic on floats (faster, one kernel call, but off the official outputs by up to about 0.05 on a
trained 9-scale model: no truncation drift, positions mapped from sizes, other borders)."""


def resize(image: torch.Tensor, size: tuple[int, int], method: Resize = "torch") -> torch.Tensor:
    """``image`` to ``size`` (unchanged if it has it, as the official code resizes a given image
    only then): ``matlab``, the official ``imresize_to_shape``; ``torch``, antialiased bicubic
    (MATLAB's a = -0.5 kernel, widened when shrinking, but on floats, with the scale taken from
    the sizes and torch's borders)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    if method == "matlab":
        return singan_imresize(image, size=size)
    return F.interpolate(image, size=size, mode="bicubic", align_corners=False, antialias=True)


def rescale(image: torch.Tensor, scale: float, method: Resize = "torch") -> torch.Tensor:
    """``image`` scaled by ``scale``, to ``ceil(size * scale)``: ``matlab``, the official
    ``imresize(image, scale)`` with its exact factor (and its round trip, also at scale 1)."""
    if method == "matlab":
        return singan_imresize(image, scale)
    height, width = image.shape[-2:]
    return resize(image, (math.ceil(height * scale), math.ceil(width * scale)))


def fit(image: torch.Tensor, size: tuple[int, int], method: Resize = "torch", padding: int = 0) -> torch.Tensor:
    """``image`` cut to ``size`` at its bottom and right, as the official code crops after resizing;
    stretched where it is short (only sizes that are not the training scales' can be). There
    ``matlab`` does as ``SinGAN_generate``: the image padded by ``padding`` zeros, stretched
    bilinearly (corners aligned) to the padded size, the padding cut off again (the networks' own
    zero padding then replaces the ring the official code keeps)."""
    image = image[..., : size[0], : size[1]]
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    if method == "torch":
        return resize(image, size)
    p = padding
    grown = F.interpolate(pad(image, p), size=(size[0] + 2 * p, size[1] + 2 * p), mode="bilinear", align_corners=True)
    return grown[..., p : p + size[0], p : p + size[1]]


def upscale(
    image: torch.Tensor, factor: float, size: tuple[int, int], method: Resize = "torch", padding: int = 0
) -> torch.Tensor:
    """``image`` enlarged by 1/``factor`` (rounding up) and cut to ``size``, as the official code
    moves an output to the next scale (``imresize(G_z, 1 / scale_factor)``, then the crop)."""
    if method == "matlab":
        return fit(singan_imresize(image, 1 / factor), size, method, padding)
    height, width = image.shape[-2:]
    return fit(resize(image, (math.ceil(height / factor), math.ceil(width / factor))), size)


def pad(image: torch.Tensor, amount: int) -> torch.Tensor:
    """Zero padding outside the networks (whose convolutions do not pad)."""
    return F.pad(image, (amount,) * 4)
