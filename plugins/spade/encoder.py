"""SPADE's style encoder: a photo to the mean and log-variance of its style code."""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from zoo.nn import init_weights

from .normalization import maybe_spectral


def _layer(fin: int, fout: int, spectral: bool) -> nn.Sequential:
    """3x3 stride-2 convolution, spectral-normalized, without bias, then instance norm (``spectralinstance``)."""
    return nn.Sequential(
        maybe_spectral(nn.Conv2d(fin, fout, 3, stride=2, padding=1, bias=False), spectral),
        nn.InstanceNorm2d(fout, affine=False),
    )


class ConvEncoder(nn.Module):
    """SPADE VAE encoder: the photo resized to 256x256, six stride-2 convolutions (five for
    crops under 256), then mu and log sigma^2 of a ``z_dim`` style code."""

    def __init__(
        self, ngf: int = 64, crop_size: int = 256, z_dim: int = 256, spectral: bool = True, init_variance: float = 0.02
    ):
        super().__init__()
        ndf = ngf
        widths = [3, ndf, ndf * 2, ndf * 4, ndf * 8, ndf * 8] + ([ndf * 8] if crop_size >= 256 else [])
        for i, (fin, fout) in enumerate(itertools.pairwise(widths), start=1):
            setattr(self, f"layer{i}", _layer(fin, fout, spectral))
        self.layers = len(widths) - 1
        side = 256 // 2**self.layers  # 4 with six layers, as officially (whose five-layer case breaks)
        self.fc_mu = nn.Linear(ndf * 8 * side * side, z_dim)
        self.fc_var = nn.Linear(ndf * 8 * side * side, z_dim)
        init_weights(self, "xavier", init_variance)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[-2:] != (256, 256):
            x = F.interpolate(x, size=(256, 256), mode="bilinear")
        x = self.layer1(x)
        for i in range(2, self.layers + 1):
            x = getattr(self, f"layer{i}")(F.leaky_relu(x, 0.2))
        x = F.leaky_relu(x, 0.2).flatten(1)
        return self.fc_mu(x), self.fc_var(x)


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps, eps ~ N(0, I)."""
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
