"""The gradient penalty of WGAN-GP (Gulrajani et al., 2017), the critic's term beside ``gan``'s ``wgan``."""

from __future__ import annotations

import torch

from zoo.loss import LossTerm, StepState


class GradientPenalty(LossTerm):
    """(||grad D(x)|| - 1)^2 at points x between real and fake images (one random mix per
    image), the norm taken over channels at each pixel and averaged, as SinGAN computes it
    (its weight, lambda: 0.1)."""

    groups = frozenset({"D"})

    def forward(self, state: StepState) -> torch.Tensor:
        real, fake = state.real, state.fake.detach()
        alpha = torch.rand(len(real), 1, 1, 1, device=real.device, dtype=real.dtype)
        mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
        total = real.new_zeros(())
        for features in state.model.discriminate(state.batch, mixed):
            (grad,) = torch.autograd.grad(features[-1].sum(), mixed, create_graph=True)
            total = total + ((grad.norm(2, dim=1) - 1) ** 2).mean()
        return total
