"""pix2pixHD's multi-scale PatchGAN discriminator, returning every layer's features."""

from __future__ import annotations

from torch import nn

from zoo.nn import NormName, init_weights, norm_layer
from zoo.nn.multiscale import FeatureStack, MultiscaleDiscriminator


def hd_patchgan(input_nc: int, ndf: int, n_layers: int, norm: NormName) -> FeatureStack:
    """The official pix2pixHD NLayerDiscriminator with intermediate features: 4x4 convolutions
    with padding 2 (not pix2pix's 1), widths doubling up to 512, ``n_layers`` stride-2 blocks
    then a stride-1 one, biases throughout."""
    make_norm = norm_layer(norm)
    blocks = [nn.Sequential(nn.Conv2d(input_nc, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2, True))]
    width = ndf
    for n in range(1, n_layers + 1):
        previous, width = width, min(width * 2, 512)
        conv = nn.Conv2d(previous, width, 4, stride=2 if n < n_layers else 1, padding=2)
        blocks.append(nn.Sequential(conv, make_norm(width), nn.LeakyReLU(0.2, True)))
    blocks.append(nn.Sequential(nn.Conv2d(width, 1, 4, stride=1, padding=2)))
    return FeatureStack(*blocks)


def pix2pixhd_multiscale(
    input_nc: int = 39, ndf: int = 64, n_layers: int = 3, num_D: int = 2, norm: NormName = "instance"
) -> MultiscaleDiscriminator:
    """pix2pixHD multi-scale discriminator (num_D=2 by default, 3 in the 1024p scripts)."""
    net = MultiscaleDiscriminator(lambda: hd_patchgan(input_nc, ndf, n_layers, norm), num_D)
    return init_weights(net, "normal", 0.02, zero_bias=False)
