"""Spatially-adaptive normalization (Park et al., CVPR 2019), as the official ``SPADE`` module."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import _SpectralNorm

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


class OfficialSpectralNorm(_SpectralNorm):
    """Spectral norm with the power iteration of ``torch.nn.utils.spectral_norm``, which the
    official SPADE code uses: v from u, then u from v. The newer parametrization runs u from v
    first, which from the same (u, v) gives another sigma (7% off in SPADE's first output, 17-30%
    in its gradients). Registered as that parametrization is, so state dicts keep their keys
    (``parametrizations.weight.original``, ``..._u``, ``..._v``) and exports fold it alike."""

    @torch.autograd.no_grad()
    def _power_method(self, weight_mat: torch.Tensor, n_power_iterations: int) -> None:
        for _ in range(n_power_iterations):
            self._v = F.normalize(torch.mv(weight_mat.H, self._u), dim=0, eps=self.eps, out=self._v)
            self._u = F.normalize(torch.mv(weight_mat, self._v), dim=0, eps=self.eps, out=self._u)


def spectral_norm(layer: nn.Module, eps: float = 1e-12) -> nn.Module:
    """``layer`` with its weight divided by its largest singular value, estimated by one power
    iteration a training forward, in the official order (:class:`OfficialSpectralNorm`)."""
    dim = 1 if isinstance(layer, nn.ConvTranspose1d | nn.ConvTranspose2d | nn.ConvTranspose3d) else 0
    parametrize.register_parametrization(layer, "weight", OfficialSpectralNorm(layer.weight, 1, dim, eps))
    return layer


def maybe_spectral(layer: nn.Module, spectral: bool) -> nn.Module:
    return spectral_norm(layer) if spectral else layer
