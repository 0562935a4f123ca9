"""The VGG19 perceptual loss of pix2pixHD and SPADE, on timm's VGG19."""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from zoo.errors import ConfigError
from zoo.loss import LossTerm, StepState

WEIGHTS_ENV = "ZOO_VGG19_WEIGHTS"
SLICES = ((0, 2), (2, 7), (7, 12), (12, 21), (21, 30))
"""``vgg19.features`` up to relu1_1, relu2_1, relu3_1, relu4_1 and relu5_1."""
LAYER_WEIGHTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)


def weight_if_available(weight: float) -> float:
    """``weight`` where the VGG19 weights are named by ``ZOO_VGG19_WEIGHTS``, else 0 (a term of
    weight 0 is never built): for presets that must start on a machine without the weights."""
    return weight if os.environ.get(WEIGHTS_ENV) else 0.0


class VGGLoss(LossTerm):
    """L1 between VGG19 features of fake and real images at relu1_1..relu5_1, weighted 1/32..1,
    on images in [-1, 1] as the official codes feed them.

    The ImageNet weights come from ``file`` or the ``ZOO_VGG19_WEIGHTS`` environment variable: a
    torchvision ``vgg19-dcbb9e9d.pth`` or a timm ``vgg19.tv_in1k`` file. Without them the loss
    refuses to be built, so a random VGG is never used; switch the term off with weight 0.
    """

    def __init__(self, file: str | None = None):
        super().__init__()
        features = load_vgg19(file).features
        self.slices = nn.ModuleList(features[start:end] for start, end in SLICES).requires_grad_(False)

    def forward(self, state: StepState) -> torch.Tensor:
        fake, real = state.fake, state.real.detach()
        total = torch.zeros((), device=fake.device)
        for weight, block in zip(LAYER_WEIGHTS, self.slices, strict=True):
            fake = block(fake)
            with torch.no_grad():
                real = block(real)
            total = total + weight * F.l1_loss(fake, real)
        return total


def load_vgg19(file: str | None) -> nn.Module:
    """timm's VGG19 with ImageNet weights from a local file, or a ConfigError saying how to get one."""
    path = file or os.environ.get(WEIGHTS_ENV)
    if not path:
        raise ConfigError(
            f"the VGG loss needs ImageNet VGG19 weights: set loss.vgg.file=/path/to/vgg19.pth (torchvision's "
            f"vgg19-dcbb9e9d.pth or timm's vgg19.tv_in1k) or the {WEIGHTS_ENV} environment variable, or switch "
            f"the loss off with loss.vgg.weight=0"
        )
    if not Path(path).is_file():
        raise ConfigError(f"VGG19 weights {path}: no such file (from loss.vgg.file or {WEIGHTS_ENV})")
    try:
        import timm  # slow to import: only when the loss is built

        return timm.create_model("vgg19", pretrained=True, pretrained_cfg_overlay={"file": str(path)})
    except (RuntimeError, KeyError, ValueError) as exc:
        raise ConfigError(f"VGG19 weights {path} do not fit timm's vgg19: {exc}") from None
