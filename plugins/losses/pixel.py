"""Pixel-wise reconstruction terms between an output of the generator and the real image."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from zoo.loss import LossTerm, StepState


class L1Loss(LossTerm):
    """Mean absolute difference from the real image (pix2pix: weight 100). ``output`` names
    the generator output compared (``fake`` by default)."""

    distance = staticmethod(F.l1_loss)

    def __init__(self, output: str = "fake"):
        super().__init__()
        self.output = output

    def forward(self, state: StepState) -> torch.Tensor:
        return self.distance(state.outputs[self.output], state.real)


class MSELoss(L1Loss):
    """Mean squared difference from the real image (SinGAN's reconstruction from z*: weight 10)."""

    distance = staticmethod(F.mse_loss)
