"""What a loss term sees: the contract between the trainer, architectures and loss plugins."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

if TYPE_CHECKING:
    from zoo.architecture import Architecture, DiscriminatorOutput


class Forward:
    """One generator pass over a batch, computed on first use.

    A ``shared`` pass serves every step of an iteration, so it always keeps its graph; an
    unshared one serves a single step and needs no graph outside generator steps.
    """

    def __init__(self, model: Architecture, batch: Mapping[str, Any], shared: bool):
        self.model, self.batch, self.shared = model, batch, shared

    @cached_property
    def outputs(self) -> dict[str, torch.Tensor]:
        return self.model.generate(self.batch)


class StepState:
    """The quantities of one optimization step of parameter group ``group``.

    Everything is computed when a loss term first asks for it and then reused by the others.
    In the generator group's steps gradients flow into the generator; in the other groups'
    steps the generator's outputs are detached (and, without a shared forward, made without a
    graph at all).
    """

    def __init__(self, model: Architecture, forward: Forward, group: str):
        self.model, self.forward, self.group = model, forward, group
        self.batch = forward.batch
        self.trains_generator = group == model.generator_group

    @cached_property
    def outputs(self) -> dict[str, torch.Tensor]:
        if self.trains_generator:
            return self.forward.outputs
        if self.forward.shared:
            return {key: value.detach() for key, value in self.forward.outputs.items()}
        with torch.no_grad():
            return self.forward.outputs

    @property
    def fake(self) -> torch.Tensor:
        return self.outputs["fake"]

    @cached_property
    def real(self) -> torch.Tensor:
        return self.model.real(self.batch)

    @cached_property
    def d_pair(self) -> tuple[DiscriminatorOutput, DiscriminatorOutput]:
        return self.model.discriminate_pair(self.batch, self.fake, self.real)

    @cached_property
    def d_fake(self) -> DiscriminatorOutput:
        if self.model.joint_discrimination:
            return self.d_pair[0]
        self._first("real")
        return self.model.discriminate(self.batch, self.fake)

    @cached_property
    def d_real(self) -> DiscriminatorOutput:
        if self.model.joint_discrimination:
            return self.d_pair[1]
        self._first("fake")
        return self.model.discriminate(self.batch, self.real)

    def _first(self, side: str) -> None:
        """In a critic step, which scores both, score ``side`` before the other if the architecture
        scores it first (``discrimination_order``)."""
        if not self.trains_generator and self.model.discrimination_order[0] == side:
            getattr(self, f"d_{side}")


class LossTerm(nn.Module):
    """A term of a GAN objective; the run's configuration gives it a weight.

    ``groups`` names the parameter groups whose steps include this term (``{"G"}`` for a
    reconstruction loss, ``{"G", "D"}`` for an adversarial loss, which then reads
    ``state.group`` to choose its side).
    """

    groups: ClassVar[frozenset[str]] = frozenset({"G"})

    def forward(self, state: StepState) -> torch.Tensor:
        raise NotImplementedError
