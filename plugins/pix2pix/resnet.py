"""The ResNet generator of pix2pix/CycleGAN, layer for layer as in the official code."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from zoo.nn import NormName, init_weights, norm_layer
from zoo.nn.init import InitName
from zoo.nn.norm import uses_bias
from zoo.registry import preset

PaddingName = Literal["reflect", "replicate", "zero"]


def _padded_conv(dim: int, padding: PaddingName, bias: bool) -> list[nn.Module]:
    """A 3x3 convolution that keeps the size, padded outside the convolution unless ``zero``."""
    if padding == "zero":
        return [nn.Conv2d(dim, dim, 3, padding=1, bias=bias)]
    pad = nn.ReflectionPad2d(1) if padding == "reflect" else nn.ReplicationPad2d(1)
    return [pad, nn.Conv2d(dim, dim, 3, padding=0, bias=bias)]


class ResnetBlock(nn.Module):
    """conv-norm-ReLU-(dropout)-conv-norm with an identity skip."""

    def __init__(self, dim: int, padding: PaddingName, norm: NormName, use_dropout: bool):
        super().__init__()
        make_norm, bias = norm_layer(norm), uses_bias(norm)
        layers = [*_padded_conv(dim, padding, bias), make_norm(dim), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [*_padded_conv(dim, padding, bias), make_norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """7x7 stem, two stride-2 downsamplings, ``n_blocks`` residual blocks, two upsamplings."""

    size_multiple = 4

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: NormName = "batch",
        use_dropout: bool = True,
        n_blocks: int = 9,
        padding: PaddingName = "reflect",
    ):
        super().__init__()
        make_norm, bias = norm_layer(norm), uses_bias(norm)
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, 7, padding=0, bias=bias),
            make_norm(ngf),
            nn.ReLU(True),
        ]
        for mult in (1, 2):
            layers += [
                nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                make_norm(ngf * mult * 2),
                nn.ReLU(True),
            ]
        layers += [ResnetBlock(ngf * 4, padding, norm, use_dropout) for _ in range(n_blocks)]
        for mult in (4, 2):
            layers += [
                nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                make_norm(ngf * mult // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def resnet(
    input_nc: int = 3,
    output_nc: int = 3,
    ngf: int = 64,
    norm: NormName = "batch",
    use_dropout: bool = True,
    n_blocks: int = 9,
    padding: PaddingName = "reflect",
    init_type: InitName = "normal",
    init_gain: float = 0.02,
) -> ResnetGenerator:
    """ResNet generator with any number of residual blocks."""
    net = ResnetGenerator(input_nc, output_nc, ngf, norm, use_dropout, n_blocks, padding)
    return init_weights(net, init_type, init_gain)


resnet_9blocks = preset(resnet, "ResNet generator with 9 residual blocks (256x256 images).", n_blocks=9)
resnet_6blocks = preset(resnet, "ResNet generator with 6 residual blocks (128x128 images).", n_blocks=6)
