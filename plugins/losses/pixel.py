"""Pixel-wise reconstruction terms."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo.loss import LossTerm, StepState


class L1Loss(LossTerm):
    """Mean absolute difference between the generator's output and the real image (pix2pix: weight 100)."""

    def forward(self, state: StepState) -> torch.Tensor:
        return F.l1_loss(state.fake, state.real)
