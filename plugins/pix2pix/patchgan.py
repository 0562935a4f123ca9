"""The pix2pix discriminators: PatchGAN (70x70 with 3 layers) and the 1x1 PixelGAN."""

from __future__ import annotations

from typing import Annotated

import torch
from pydantic import Field
from torch import nn

from zoo.nn import NormName, norm_layer
from zoo.nn.norm import uses_bias


class NLayerDiscriminator(nn.Module):
    """PatchGAN: 4x4 convolutions, ``n_layers`` of them stride 2, then two stride-1 ones.

    Each output logit judges one patch of the input; three layers give the paper's 70x70
    receptive field.
    """

    def __init__(
        self, input_nc: int = 6, ndf: int = 64, n_layers: Annotated[int, Field(ge=0)] = 3, norm: NormName = "batch"
    ):
        super().__init__()
        make_norm, bias = norm_layer(norm), uses_bias(norm)

        def block(mult_in: int, mult_out: int, stride: int) -> list[nn.Module]:
            conv = nn.Conv2d(ndf * mult_in, ndf * mult_out, 4, stride=stride, padding=1, bias=bias)
            return [conv, make_norm(ndf * mult_out), nn.LeakyReLU(0.2, True)]

        layers: list[nn.Module] = [nn.Conv2d(input_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers):
            layers += block(mult, min(2**n, 8), stride=2)
            mult = min(2**n, 8)
        layers += block(mult, min(2**n_layers, 8), stride=1)  # always present, as in the official code
        layers.append(nn.Conv2d(ndf * min(2**n_layers, 8), 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class PixelDiscriminator(nn.Module):
    """1x1 PatchGAN: judges every pixel on its own (colour, not structure)."""

    def __init__(self, input_nc: int = 6, ndf: int = 64, norm: NormName = "batch"):
        super().__init__()
        bias = uses_bias(norm)
        self.net = nn.Sequential(
            nn.Conv2d(input_nc, ndf, 1),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 1, bias=bias),
            norm_layer(norm)(ndf * 2),
            nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 1, bias=bias),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
