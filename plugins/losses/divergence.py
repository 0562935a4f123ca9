"""The KL term of SPADE's style encoder."""

from __future__ import annotations

import torch

from zoo.loss import LossTerm, StepState


class KLDivergenceLoss(LossTerm):
    """KL(N(mu, sigma^2) || N(0, I)) of the style code, summed over the batch and the code as
    SPADE's KLDLoss does (the recipe's weight: 0.05). Reads ``mu`` and ``logvar`` from the
    generator's outputs."""

    def forward(self, state: StepState) -> torch.Tensor:
        mu, logvar = state.outputs["mu"], state.outputs["logvar"]
        return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
