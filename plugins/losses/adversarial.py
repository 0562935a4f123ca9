"""The adversarial loss in its common forms, over one or several discriminator scales."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F

from zoo.loss import LossTerm, StepState

GANMode = Literal["vanilla", "lsgan", "hinge", "wgan"]


def _generator_term(mode: GANMode, pred: torch.Tensor) -> torch.Tensor:
    if mode == "vanilla":
        return F.binary_cross_entropy_with_logits(pred, torch.ones_like(pred))
    if mode == "lsgan":
        return F.mse_loss(pred, torch.ones_like(pred))
    return -pred.mean()  # hinge and wgan


def _critic_term(mode: GANMode, pred: torch.Tensor, real: bool) -> torch.Tensor:
    if mode == "vanilla":
        target = torch.ones_like(pred) if real else torch.zeros_like(pred)
        return F.binary_cross_entropy_with_logits(pred, target)
    if mode == "lsgan":
        return F.mse_loss(pred, torch.full_like(pred, float(real)))
    if mode == "hinge":
        return F.relu(1 - pred).mean() if real else F.relu(1 + pred).mean()
    return -pred.mean() if real else pred.mean()  # wgan


class GANLoss(LossTerm):
    """Adversarial loss: ``vanilla`` (BCE with logits, pix2pix), ``lsgan`` (pix2pixHD), ``hinge``
    (SPADE) or ``wgan`` (SinGAN, with a gradient penalty term beside it).

    The discriminator's side is ``d_scale * (real + fake)``: 0.5 in pix2pix and pix2pixHD, 1 in
    SPADE. Several discriminator scales are summed (pix2pixHD) or averaged (SPADE).
    """

    groups = frozenset({"G", "D"})

    def __init__(self, mode: GANMode = "vanilla", d_scale: float = 0.5, scales: Literal["sum", "mean"] = "sum"):
        super().__init__()
        self.mode, self.d_scale, self.scales = mode, d_scale, scales

    def forward(self, state: StepState) -> torch.Tensor:
        if state.trains_generator:
            terms = [_generator_term(self.mode, features[-1]) for features in state.d_fake]
        else:
            terms = [
                self.d_scale * (_critic_term(self.mode, real[-1], True) + _critic_term(self.mode, fake[-1], False))
                for real, fake in zip(state.d_real, state.d_fake, strict=True)
            ]
        total = torch.stack(terms).sum()
        return total / len(terms) if self.scales == "mean" else total
