"""Spatially-adaptive normalization (Park et al., CVPR 2019), as the official ``SPADE`` module."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from zoo.nn.norm import SyncBatchNorm2d

ParamFreeNorm = Literal["syncbatch", "batch", "instance"]


def param_free_norm(kind: ParamFreeNorm, channels: int) -> nn.Module:
    """Normalization without learned scale and shift: SPADE supplies them."""
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False)
    return (SyncBatchNorm2d if kind == "syncbatch" else nn.BatchNorm2d)(channels, affine=False)


class SPADE(nn.Module):
    """x_hat * (1 + gamma(segmap)) + beta(segmap): the segmentation map, resized to the features
    by nearest neighbour, goes through a shared 3x3 convolution (128 channels, ReLU) and two 3x3
    convolutions giving per-pixel gamma and beta."""

    def __init__(
        self, norm_nc: int, label_nc: int, norm: ParamFreeNorm = "syncbatch", kernel_size: int = 3, hidden: int = 128
    ):
        super().__init__()
        self.param_free_norm = param_free_norm(norm, norm_nc)
        pad = kernel_size // 2
        self.mlp_shared = nn.Sequential(nn.Conv2d(label_nc, hidden, kernel_size, padding=pad), nn.ReLU())
        self.mlp_gamma = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)
        self.mlp_beta = nn.Conv2d(hidden, norm_nc, kernel_size, padding=pad)

    def forward(self, x: torch.Tensor, segmap: torch.Tensor) -> torch.Tensor:
        normalized = self.param_free_norm(x)
        actv = self.mlp_shared(F.interpolate(segmap, size=x.shape[2:], mode="nearest"))
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


def maybe_spectral(layer: nn.Module, spectral: bool) -> nn.Module:
    return spectral_norm(layer) if spectral else layer
