"""The ResNet generator of pix2pix/CycleGAN, layer for layer as in the official code."""

from __future__ import annotations

from typing import Annotated, Literal

import torch
from pydantic import Field
from torch import nn

from zoo.nn import NormName, norm_layer
from zoo.nn.norm import uses_bias

PaddingName = Literal["reflect", "replicate", "zero"]


def _padded_conv(dim: int, padding: PaddingName, bias: bool) -> list[nn.Module]:
    """A 3x3 convolution that keeps the size, padded outside the convolution unless ``zero``."""
    if padding == "zero":
        return [nn.Conv2d(dim, dim, 3, padding=1, bias=bias)]
    pad = nn.ReflectionPad2d(1) if padding == "reflect" else nn.ReplicationPad2d(1)
    return [pad, nn.Conv2d(dim, dim, 3, padding=0, bias=bias)]


class ResnetBlock(nn.Module):
    """conv-norm-ReLU-(dropout)-conv-norm with an identity skip. ``bias`` follows the norm as the
    official pix2pix code decides it unless given (pix2pixHD's convolutions always have one)."""

    def __init__(self, dim: int, padding: PaddingName, norm: NormName, use_dropout: bool, bias: bool | None = None):
        super().__init__()
        make_norm, bias = norm_layer(norm), uses_bias(norm) if bias is None else bias
        layers = [*_padded_conv(dim, padding, bias), make_norm(dim), nn.ReLU(True)]
        if use_dropout:
            layers.append(nn.Dropout(0.5))
        layers += [*_padded_conv(dim, padding, bias), make_norm(dim)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    """7x7 stem, ``n_downsampling`` stride-2 convolutions, ``n_blocks`` residual blocks, as many
    transposed convolutions back, 7x7 + tanh out.

    pix2pix uses two downsamplings; pix2pixHD's global generator is this network with four and
    biases everywhere, and its feature encoder the same without residual blocks.
    """

    def __init__(
        self,
        input_nc: int = 3,
        output_nc: int = 3,
        ngf: int = 64,
        norm: NormName = "batch",
        use_dropout: bool = True,
        n_blocks: Annotated[int, Field(ge=0)] = 9,
        padding: PaddingName = "reflect",
        n_downsampling: Annotated[int, Field(ge=0)] = 2,
        bias: bool | None = None,
    ):
        super().__init__()
        self.size_multiple = 2**n_downsampling
        make_norm, bias = norm_layer(norm), uses_bias(norm) if bias is None else bias
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(input_nc, ngf, 7, padding=0, bias=bias),
            make_norm(ngf),
            nn.ReLU(True),
        ]
        for i in range(n_downsampling):
            mult = 2**i
            layers += [
                nn.Conv2d(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1, bias=bias),
                make_norm(ngf * mult * 2),
                nn.ReLU(True),
            ]
        width = ngf * 2**n_downsampling
        layers += [ResnetBlock(width, padding, norm, use_dropout, bias) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            mult = 2 ** (n_downsampling - i)
            layers += [
                nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 3, stride=2, padding=1, output_padding=1, bias=bias),
                make_norm(ngf * mult // 2),
                nn.ReLU(True),
            ]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7, padding=0), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
