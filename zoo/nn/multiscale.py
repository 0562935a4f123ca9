"""The multi-scale discriminator of pix2pixHD and SPADE: one discriminator per scale, each seeing
the input downsampled once more, all returning their intermediate features."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


def downsample(x: torch.Tensor) -> torch.Tensor:
    """Halve the size as both official codes do between scales (and pix2pixHD's local enhancer)."""
    return F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)


class MultiscaleDiscriminator(nn.Module):
    """``num_D`` discriminators from ``make_scale``; scale ``i`` sees the input downsampled ``i``
    times. Each returns its list of features, the last one its prediction map."""

    def __init__(self, make_scale: Callable[[], nn.Module], num_D: int):
        super().__init__()
        self.scales = nn.ModuleList(make_scale() for _ in range(num_D))

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        outputs = []
        for i, scale in enumerate(self.scales):
            if i:
                x = downsample(x)
            outputs.append(scale(x))
        return outputs


class FeatureStack(nn.Sequential):
    """A sequence of blocks that returns every block's output, for feature matching."""

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        features = []
        for block in self:
            x = block(x)
            features.append(x)
        return features
