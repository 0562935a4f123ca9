"""Normalization layers by name, with the settings the official pix2pix/CycleGAN code uses."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal

from torch import nn

NormName = Literal["batch", "instance", "none"]


def norm_layer(norm: NormName) -> Callable[[int], nn.Module]:
    """A factory ``channels -> module``.

    ``batch`` is affine with running statistics; ``instance`` is neither (as in the official
    code), so its state dict is empty; ``none`` is the identity.
    """
    if norm == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if norm == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    if norm == "none":
        return lambda channels: nn.Identity()
    raise ValueError(f"normalization {norm!r} is not one of batch, instance, none")


def uses_bias(norm: NormName) -> bool:
    """Whether convolutions before the norm have a bias, as the official code decides it: only
    with instance norm (batch norm's shift replaces it; with ``none`` the official code has none)."""
    return norm == "instance"


class SyncBatchNorm2d(nn.BatchNorm2d):
    """Batch norm meant to be synchronized across GPUs (SPADE's ``syncbatch``): the trainer turns it
    into :class:`torch.nn.SyncBatchNorm` under multi-GPU data parallelism; on a CPU or in a single
    process it is plain batch norm, with the same state dict."""


def synchronize(module: nn.Module) -> int:
    """Replace every :class:`SyncBatchNorm2d` in ``module`` by a :class:`torch.nn.SyncBatchNorm`
    holding the same state; returns how many were replaced."""
    replaced = 0
    for name, child in module.named_children():
        if isinstance(child, SyncBatchNorm2d):
            synced = nn.SyncBatchNorm(
                child.num_features, child.eps, child.momentum, child.affine, child.track_running_stats
            )
            synced.load_state_dict(child.state_dict(), assign=True)  # the tensors keep their device
            setattr(module, name, synced)
            replaced += 1
        else:
            replaced += synchronize(child)
    return replaced
