"""Making a generator traceable: eval mode (or the paper's batch statistics), spectral norm
folded into plain weights, synchronized batch norm reverted, fp16 with fp32 normalization; and
the dynamic shapes ``torch.export`` (and the exporters built on it) traces it with."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import torch
from pydantic import Field
from torch import nn
from torch.export import Dim
from torch.nn.utils import parametrize

from zoo.graph import GraphSpec
from zoo.nn.norm import SyncBatchNorm2d

TestMode = Literal["eval", "paper"]
Precision = Literal["fp32", "fp16", "int8"]
TestModeOption = Annotated[
    TestMode,
    Field(description="eval: batch norm with running statistics; paper: with each batch's own, as pix2pix tests"),
]
PrecisionOption = Annotated[Precision, Field(description="numeric precision of the artifact")]
NORMS = (nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm, nn.GroupNorm, nn.LayerNorm)


class BatchStatistics(nn.Module):
    """Batch norm that normalizes with the batch's own statistics, as pix2pix tests by default
    (``test.py`` without ``--eval``). Unlike that script, dropout stays off in an exported graph:
    its random masks would make the graph's output impossible to verify."""

    def __init__(self, norm: nn.modules.batchnorm._BatchNorm):
        super().__init__()
        self.eps, self.weight, self.bias = norm.eps, norm.weight, norm.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(0, 2, 3), keepdim=True)
        var = x.var(dim=(0, 2, 3), keepdim=True, unbiased=False)
        y = (x - mean) / torch.sqrt(var + self.eps)
        return y if self.weight is None else y * self.weight[:, None, None] + self.bias[:, None, None]


class Float32(nn.Module):
    """Runs ``module`` in fp32 inside an fp16 graph: normalization statistics overflow or lose
    precision in fp16 (instance norm's variance over a large map, say)."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module.float()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x.float()).to(x.dtype)


class Precise(nn.Module):
    """fp32 in and out around a graph computed in ``dtype``, so callers need not know."""

    def __init__(self, module: nn.Module, dtype: torch.dtype):
        super().__init__()
        self.module, self.dtype = module, dtype

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.module(*(x.to(self.dtype) for x in inputs)).float()


def for_export(module: nn.Module, test_mode: TestMode = "eval", precision: Precision = "fp32") -> nn.Module:
    """A copy of ``module`` to trace. int8 is traced in fp32 and quantized afterwards."""
    net = copy.deepcopy(module).cpu().float().eval()  # traced and verified on the CPU
    for m in [m for m in net.modules() if parametrize.is_parametrized(m)]:
        _fold(m)
    _replace(net, lambda m: isinstance(m, (nn.SyncBatchNorm, SyncBatchNorm2d)), _plain)
    if test_mode == "paper":
        _replace(net, lambda m: isinstance(m, nn.BatchNorm2d), BatchStatistics)
    for p in net.parameters():
        p.requires_grad_(False)
    if precision == "fp16":
        net = net.half()
        _replace(net, lambda m: isinstance(m, (*NORMS, BatchStatistics)), Float32)
        return Precise(net, torch.float16)
    return net


class Positional(torch.nn.Module):
    """``module`` called with the graph's inputs as positional arguments, whatever it names them,
    so that one rule gives every graph its dynamic shapes."""

    def __init__(self, module: torch.nn.Module):
        super().__init__()
        self.module = module

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.module(*inputs)


def dynamic_shapes(spec: GraphSpec) -> tuple[dict[int, Any], ...]:
    """Batch dynamic everywhere; height and width as multiples of ``spec.multiple``."""
    batch = Dim("batch", min=1, max=4096)
    dims: dict[str, Any] = {"N": batch}
    if spec.multiple is not None:
        top = 16384 // spec.multiple
        dims["H"] = spec.multiple * Dim("h", min=1, max=top)
        dims["W"] = spec.multiple * Dim("w", min=1, max=top)
    return tuple({axis: dims[d] for axis, d in enumerate(i.shape) if d in dims} for i in spec.inputs)


def _fold(module: nn.Module) -> None:
    """Parametrized tensors (spectral norm's W / sigma) as plain parameters. Not through
    ``remove_parametrizations``: on a deep copy it deletes the property from the class the copy
    shares with the original, breaking the model being exported."""
    values = {name: getattr(module, name).detach().clone() for name in module.parametrizations}
    del module._modules["parametrizations"]
    module.__class__ = module.__class__.__bases__[0]  # this instance only; the shared class is untouched
    for name, value in values.items():
        module.register_parameter(name, nn.Parameter(value, requires_grad=False))


def _plain(norm: nn.modules.batchnorm._BatchNorm) -> nn.BatchNorm2d:
    """Synchronized (or zoo's to-be-synchronized) batch norm as the plain batch norm it is at test time."""
    plain = nn.BatchNorm2d(norm.num_features, norm.eps, norm.momentum, norm.affine, norm.track_running_stats)
    plain.load_state_dict(norm.state_dict())
    return plain.eval()


def _replace(module: nn.Module, match, make) -> None:
    for name, child in module.named_children():
        if match(child):
            setattr(module, name, make(child))
        else:
            _replace(child, match, make)
