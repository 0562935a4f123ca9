"""What a family exports: its generator as a graph over named tensors, with what a runtime must
know to feed it. Pipelines describe it (:meth:`zoo.Pipeline.graph_spec`); exporter plugins turn
it into artifacts; runtimes (each exporter's ``load``) stand in for the generator behind the same
pipeline."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from zoo.errors import ZooError

InputKind = Literal["image", "onehot", "noise"]


@dataclass(frozen=True)
class GraphInput:
    """One input: its shape, with ``"N"`` for the batch and ``"H"``/``"W"`` for the spatial
    size where the graph takes any multiple of :attr:`GraphSpec.multiple`; and what it holds,
    so that verification feeds realistic values (an image in [-1, 1], one-hot maps, noise)."""

    name: str
    shape: tuple[int | str, ...]
    kind: InputKind = "image"

    def concrete(self, batch: int, height: int, width: int) -> tuple[int, ...]:
        sizes = {"N": batch, "H": height, "W": width}
        return tuple(sizes[d] if isinstance(d, str) else d for d in self.shape)

    def sample(self, batch: int, height: int, width: int, generator: torch.Generator) -> torch.Tensor:
        shape = self.concrete(batch, height, width)
        if self.kind == "image":
            return torch.rand(shape, generator=generator) * 2 - 1
        if self.kind == "onehot":  # one-hot over all channels (classes, edges, features alike): verification only
            classes = torch.randint(0, shape[1], (shape[0], 1, *shape[2:]), generator=generator)
            return torch.zeros(shape).scatter_(1, classes, 1.0)
        return torch.randn(shape, generator=generator)


@dataclass
class GraphSpec:
    """A generator ready to export: ``module`` maps the ``inputs`` (in order) to one image batch
    in [-1, 1].

    ``multiple``: the graph takes any height and width that are multiples of it (dynamic
    sizes); ``None`` means the fixed ``size``. ``attributes`` are the generator attributes the
    family's pipeline reads (``size_multiple``, ``z_dim``...), so a runtime can stand in for it.
    """

    module: nn.Module
    inputs: list[GraphInput]
    multiple: int | None = None
    size: tuple[int, int] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.multiple is None and self.size is None:
            raise ValueError("a graph has dynamic sizes (multiple) or a fixed size")

    def test_sizes(self) -> list[tuple[int, int]]:
        """Two sizes to verify at: different ones (of at least 64 pixels) where sizes are dynamic."""
        if self.multiple is None:
            return [self.size, self.size]  # type: ignore[list-item]
        base = self.multiple * math.ceil(64 / self.multiple)
        return [(base, base), (base, 2 * base)]

    def trace_size(self) -> tuple[int, int]:
        """The size to trace at: twice the smallest, so no inner feature map has a side of 1
        (which the exporter would fix as a broadcast)."""
        if self.multiple is None:
            return self.size  # type: ignore[return-value]
        side = 2 * self.multiple * math.ceil(64 / self.multiple)
        return side, side

    def example(self, batch: int, size: tuple[int, int], seed: int = 0) -> tuple[torch.Tensor, ...]:
        generator = torch.Generator().manual_seed(seed)
        return tuple(i.sample(batch, *size, generator) for i in self.inputs)

    def describe(self) -> dict[str, Any]:
        """The JSON-able part, written into an artifact's metadata."""
        return {
            "inputs": [asdict(i) for i in self.inputs],
            "multiple": self.multiple,
            "size": self.size,
            "attributes": self.attributes,
        }


def check_sizes(described: Mapping[str, Any], tensors: Mapping[str, Any], source: str) -> None:
    """Refuse inputs the exported graph cannot take, naming the rule and the fix."""
    multiple, size = described["multiple"], described["size"]
    for spec in described["inputs"]:
        value = tensors[spec["name"]]
        expected = list(spec["shape"])
        if len(value.shape) != len(expected):
            raise ZooError(f"{source}: input {spec['name']} has shape {tuple(value.shape)}; expected {expected}")
        for axis, (got, want) in enumerate(zip(value.shape, expected, strict=True)):
            if want in ("H", "W"):
                if multiple is not None and got % multiple:
                    raise ZooError(
                        f"{source}: {spec['name']} is {value.shape[-1]}x{value.shape[-2]}; this model takes widths "
                        f"and heights that are multiples of {multiple}: resize or crop the input"
                    )
                if multiple is None and got != size[axis - len(expected) + 2]:
                    raise ZooError(f"{source}: {spec['name']} must be {size[1]}x{size[0]}; this graph has a fixed size")
            elif isinstance(want, int) and got != want:
                raise ZooError(f"{source}: input {spec['name']} has shape {tuple(value.shape)}; expected {expected}")


class GraphRuntime(nn.Module):
    """Base of the modules that stand in for a generator: called like it (tensors in the order
    of the graph's inputs, ``None`` for an absent optional one), they run an exported graph."""

    def __init__(self, described: Mapping[str, Any], source: str):
        super().__init__()
        self.described, self.source = dict(described), source
        self.input_names = [i["name"] for i in described["inputs"]]
        for name, value in described["attributes"].items():
            setattr(self, name, tuple(value) if isinstance(value, list) else value)

    def forward(self, *args: torch.Tensor | None) -> torch.Tensor:
        given = [a for a in args if a is not None]
        if len(given) != len(self.input_names):
            raise ZooError(f"{self.source} takes {', '.join(self.input_names)}; got {len(given)} tensors")
        tensors = dict(zip(self.input_names, given, strict=True))
        check_sizes(self.described, tensors, self.source)
        return self.run(tensors)

    run: Callable[[dict[str, torch.Tensor]], torch.Tensor]
