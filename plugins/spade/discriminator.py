"""SPADE's multi-scale discriminator: PatchGANs with spectral instance norm, returning features."""

from __future__ import annotations

from torch import nn

from zoo.nn import init_weights
from zoo.nn.multiscale import FeatureStack, MultiscaleDiscriminator

from .normalization import maybe_spectral


def spade_patchgan(input_nc: int, ndf: int, n_layers: int, spectral: bool) -> FeatureStack:
    """The official SPADE NLayerDiscriminator: a plain 4x4 stride-2 convolution, ``n_layers - 1``
    spectral-normalized convolutions (no bias) with instance norm, the last of them stride 1,
    widths doubling up to 512, padding 2, leaky ReLU 0.2, and a plain 1-channel convolution."""
    blocks = [nn.Sequential(nn.Conv2d(input_nc, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2, False))]
    width = ndf
    for n in range(1, n_layers):
        previous, width = width, min(width * 2, 512)
        conv = maybe_spectral(
            nn.Conv2d(previous, width, 4, stride=1 if n == n_layers - 1 else 2, padding=2, bias=False), spectral
        )
        blocks.append(
            nn.Sequential(nn.Sequential(conv, nn.InstanceNorm2d(width, affine=False)), nn.LeakyReLU(0.2, False))
        )
    blocks.append(nn.Sequential(nn.Conv2d(width, 1, 4, stride=1, padding=2)))
    return FeatureStack(*blocks)


def spade_multiscale(
    input_nc: int = 39,
    ndf: int = 64,
    n_layers: int = 4,
    num_D: int = 2,
    spectral: bool = True,
    init_variance: float = 0.02,
) -> MultiscaleDiscriminator:
    """SPADE multi-scale discriminator (num_D=2, n_layers_D=4, spectral instance norm)."""
    net = MultiscaleDiscriminator(lambda: spade_patchgan(input_nc, ndf, n_layers, spectral), num_D)
    return init_weights(net, "xavier", init_variance)
