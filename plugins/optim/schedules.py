"""Learning-rate schedules: ``factory(**options) -> factor(unit)``, the multiplier of a phase's
base rate after ``unit`` epochs or iterations (the phase's unit). The trainer applies it with
``torch.optim.lr_scheduler.LambdaLR``, whose state a checkpoint keeps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field

Factor = Callable[[int], float]
Units = Annotated[int, Field(ge=0)]
Gamma = Annotated[float, Field(gt=0, description="multiplier at each step")]


def constant() -> Factor:
    """The full rate throughout."""
    return lambda unit: 1.0


def linear(constant: Units = 0, decay: Units = 0, offset: Annotated[int, Field(ge=0, le=1)] = 1) -> Factor:
    """``constant`` units at the full rate, then ``decay`` units of linear decay towards zero.

    ``offset`` 1 is the rule of the official pix2pix code (the first decay unit is already lower,
    the last at 1/(decay+1)); ``offset`` 0 that of pix2pixHD and SPADE (the rate drops after each
    decay unit, the last at 1/decay).
    """

    def factor(unit: int) -> float:
        return 1.0 - max(0, unit + offset - constant) / float(max(decay + offset, 1))

    return factor


def step(step_size: Annotated[int, Field(ge=1)] = 1, gamma: Gamma = 0.1) -> Factor:
    """Times ``gamma`` every ``step_size`` units."""
    return lambda unit: gamma ** (unit // step_size)


def multistep(milestones: tuple[Units, ...] = (), gamma: Gamma = 0.1) -> Factor:
    """Times ``gamma`` at each milestone (SinGAN: 0.1 after 1600 of its 2000 iterations)."""
    return lambda unit: gamma ** sum(unit >= m for m in milestones)
