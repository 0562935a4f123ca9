"""SinGAN's critics: one per scale (``WDiscriminator``), only the one in training is used."""

from __future__ import annotations

from torch import nn

from .networks import ScaleNet
from .pyramid import channels


class SinGANCritics(nn.Module):
    """A Wasserstein critic per scale, as wide as that scale's generator."""

    def __init__(
        self,
        num_scales: int = 1,
        nfc: int = 32,
        min_nfc: int = 32,
        max_nfc: int = 128,
        num_layer: int = 5,
        kernel_size: int = 3,
    ):
        super().__init__()
        self.critics = nn.ModuleList(
            ScaleNet(channels(i, nfc, max_nfc), channels(i, min_nfc, max_nfc), num_layer, kernel_size, critic=True)
            for i in range(num_scales)
        )
