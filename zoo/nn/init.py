"""Weight initialisation as in the official pix2pix/CycleGAN ``init_weights``, and the factory
that registers a network class with its initialisation options."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Literal

from torch import nn
from torch.nn.utils import parametrize

from zoo.options import with_options

InitName = Literal["normal", "xavier", "kaiming", "orthogonal"]


def init_weights(
    net: nn.Module, init_type: InitName = "normal", gain: float = 0.02, zero_bias: bool = True
) -> nn.Module:
    """Convolution and linear weights from ``init_type`` (std or gain ``gain``), their biases 0
    (or PyTorch's default with ``zero_bias=False``, as pix2pixHD leaves them); batch-norm scales
    from N(1, gain), shifts 0. Returns ``net``."""

    def init(module: nn.Module) -> None:
        name = type(module).__name__
        # a spectral-normalized layer computes ``weight``: initialise what it is computed from
        weight = (
            module.parametrizations.weight.original
            if parametrize.is_parametrized(module, "weight")
            else getattr(module, "weight", None)
        )
        if weight is not None and ("Conv" in name or "Linear" in name):
            if init_type == "normal":
                nn.init.normal_(weight, 0.0, gain)
            elif init_type == "xavier":
                nn.init.xavier_normal_(weight, gain=gain)
            elif init_type == "kaiming":
                nn.init.kaiming_normal_(weight, a=0, mode="fan_in")
            elif init_type == "orthogonal":
                nn.init.orthogonal_(weight, gain=gain)
            else:
                raise ValueError(f"initialisation {init_type!r} is not one of normal, xavier, kaiming, orthogonal")
            if zero_bias and getattr(module, "bias", None) is not None:
                nn.init.zeros_(module.bias)
        elif "BatchNorm2d" in name and weight is not None:
            nn.init.normal_(weight, 1.0, gain)
            nn.init.zeros_(module.bias)

    return net.apply(init)


def initialised(network: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """The registered factory of ``network`` (a class): its options, plus ``init_type`` and
    ``init_gain``, which initialise the built network with :func:`init_weights` (N(0, 0.02) by
    default, as the official pix2pix code). One line registers a network:
    ``{"unet": initialised(UnetGenerator)}``."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    extra = [
        inspect.Parameter("init_type", keyword, default="normal", annotation=InitName),
        inspect.Parameter("init_gain", keyword, default=0.02, annotation=float),
    ]

    def initialise(net: nn.Module, init_type: InitName, init_gain: float) -> nn.Module:
        return init_weights(net, init_type, init_gain)

    return with_options(network, extra, initialise, inspect.getdoc(network) or "")
