"""Optimizer factories: ``factory(params, /, **options) -> torch.optim.Optimizer``.

The defaults are the GAN ones of DCGAN and the four papers (Adam at 2e-4 with beta1 0.5), not
PyTorch's; a recipe or ``--set optim.G.lr=...`` changes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import torch
from pydantic import Field

Rate = Annotated[float, Field(gt=0, description="learning rate")]
Beta = Annotated[float, Field(ge=0, lt=1)]
Decay = Annotated[float, Field(ge=0, description="L2 penalty (AdamW: decoupled weight decay)")]
Params = Iterable[torch.nn.Parameter]
Fused = Annotated[
    bool,
    Field(description="one fused kernel for every parameter's update: faster, rounds otherwise than the official loop"),
]


def adam(
    params: Params,
    /,
    lr: Rate = 2e-4,
    betas: tuple[Beta, Beta] = (0.5, 0.999),
    weight_decay: Decay = 0.0,
    fused: Fused = False,
) -> torch.optim.Adam:
    """Adam (Kingma & Ba), the optimizer of pix2pix, pix2pixHD, SPADE and SinGAN; by default its
    per-parameter loop, as the official code runs it."""
    return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=fused or None)


def adamw(
    params: Params,
    /,
    lr: Rate = 2e-4,
    betas: tuple[Beta, Beta] = (0.5, 0.999),
    weight_decay: Decay = 0.01,
    fused: Fused = False,
) -> torch.optim.AdamW:
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""
    return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=weight_decay, fused=fused or None)


def rmsprop(
    params: Params,
    /,
    lr: Rate = 5e-5,
    alpha: Beta = 0.99,
    momentum: Annotated[float, Field(ge=0)] = 0.0,
    weight_decay: Decay = 0.0,
) -> torch.optim.RMSprop:
    """RMSprop, as the original WGAN trains its critic (lr 5e-5, no momentum)."""
    return torch.optim.RMSprop(params, lr=lr, alpha=alpha, momentum=momentum, weight_decay=weight_decay)


def sgd(
    params: Params, /, lr: Rate = 1e-2, momentum: Annotated[float, Field(ge=0)] = 0.0, weight_decay: Decay = 0.0
) -> torch.optim.SGD:
    """Stochastic gradient descent, with optional momentum."""
    return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
