"""SinGAN's scales: their sizes, and moving images between them."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from zoo.errors import ConfigError


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


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bicubic resizing with MATLAB's kernel (a = -0.5, widened when shrinking), as the official
    ``imresize`` does: torch's antialiased bicubic is that kernel, its plain one is a = -0.75."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    return F.interpolate(image, size=size, mode="bicubic", align_corners=False, antialias=True)


def upscale(image: torch.Tensor, factor: float, size: tuple[int, int]) -> torch.Tensor:
    """``image`` enlarged by 1/``factor`` (rounding up) and cut to ``size``, as the official code
    moves an output to the next scale; stretched instead where rounding leaves it short."""
    height, width = image.shape[-2:]
    grown = resize(image, (math.ceil(height / factor), math.ceil(width / factor)))[..., : size[0], : size[1]]
    return resize(grown, size)


def pad(image: torch.Tensor, amount: int) -> torch.Tensor:
    """Zero padding outside the networks (whose convolutions do not pad)."""
    return F.pad(image, (amount,) * 4)
