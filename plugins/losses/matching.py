"""Discriminator feature matching (pix2pixHD, SPADE)."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from zoo.loss import LossTerm, StepState


class FeatureMatchingLoss(LossTerm):
    """L1 between the discriminator's intermediate features of fake and real images, averaged
    over the discriminator scales. pix2pixHD weighs each layer 4 / (n_layers + 1); SPADE
    (``layer_weights="uniform"``) weighs them 1. The recipes give the term weight 10."""

    def __init__(self, layer_weights: Literal["pix2pixhd", "uniform"] = "pix2pixhd"):
        super().__init__()
        self.layer_weights = layer_weights

    def forward(self, state: StepState) -> torch.Tensor:
        total = torch.zeros((), device=state.fake.device)
        for fake, real in zip(state.d_fake, state.d_real, strict=True):
            layers = len(fake) - 1  # the last output is the prediction, not a feature
            weight = 4.0 / layers if self.layer_weights == "pix2pixhd" else 1.0
            for f, r in zip(fake[:-1], real[:-1], strict=True):
                total = total + weight * F.l1_loss(f, r.detach())
        return total / len(state.d_fake)
