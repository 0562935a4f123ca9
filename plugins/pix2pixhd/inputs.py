"""What pix2pixHD's (and SPADE's) networks read: one-hot labels and instance edges, at a size the
generator can take."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from zoo.config import RunConfig, Settings
from zoo.data import LabelSpec
from zoo.errors import DataError
from zoo.nn.semantic import instance_edges, one_hot

SizePolicy = Literal["error", "pad"]


class LabelOptions(Settings):
    """How label and instance maps reach the networks (the ``model`` section of label-map
    architectures). The last four fields follow from the data set and are not set by hand."""

    instance_edges: bool = True
    """Concatenate the instance boundary map (off when the data set has no instance maps)."""
    size_policy: SizePolicy = "error"
    """Sizes that are not multiples of the generator's stride: ``error``, or ``pad`` and crop back."""
    label_nc: int = 0
    dontcare: int | None = None
    label_shift: int = 0

    def spec(self) -> LabelSpec:
        return LabelSpec(self.label_nc, self.dontcare, self.label_shift)

    @staticmethod
    def derived(spec: LabelSpec, instance_edges: bool) -> dict[str, Any]:
        """The ``model`` fields a data set's label spec decides."""
        return {
            "label_nc": spec.label_nc,
            "dontcare": spec.dontcare,
            "label_shift": spec.shift,
            "instance_edges": instance_edges and spec.instances,
        }


@dataclass(frozen=True)
class LabelEncoding:
    """One-hot class channels (the don't-care class included), plus the instance boundary map if
    ``edges``. Sizes must be multiples of ``multiple``: ``error`` refuses others, ``pad`` pads them
    (replicating the border) and the caller crops back."""

    spec: LabelSpec
    edges: bool
    multiple: int
    policy: SizePolicy = "error"

    @property
    def channels(self) -> int:
        return self.spec.semantic_nc + self.edges

    def padding(self, height: int, width: int) -> tuple[int, int]:
        """Rows and columns to add at the bottom and right, or a DataError under ``error``."""
        pad_h, pad_w = -height % self.multiple, -width % self.multiple
        if (pad_h or pad_w) and self.policy == "error":
            raise DataError(
                f"label maps of {width}x{height} pixels: this generator needs multiples of {self.multiple}; "
                f"resize or crop them (data.load_size / data.crop_size), or set model.size_policy=pad"
            )
        return pad_h, pad_w

    def pad(self, *maps: torch.Tensor) -> list[torch.Tensor]:
        pad_h, pad_w = self.padding(*maps[0].shape[-2:])
        if not (pad_h or pad_w):
            return list(maps)
        return [F.pad(m.float(), (0, pad_w, 0, pad_h), mode="replicate").to(m.dtype) for m in maps]

    def maps(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A loaded batch's class maps, instance maps (the labels where the data have none) and
        photos, padded as the policy says."""
        classes = self.spec.classes(batch["label"])
        classes, instances, photos = self.pad(classes, batch.get("instance", classes), batch["target"])
        return classes, instances, photos

    def __call__(self, classes: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        """The conditioning input (N, channels, H, W) of class-index maps (see ``spec.classes``)."""
        semantic = one_hot(classes, self.spec.semantic_nc)
        return torch.cat([semantic, instance_edges(instances)], 1) if self.edges else semantic


def label_encoding(config: RunConfig, generator: torch.nn.Module) -> LabelEncoding:
    """The conditioning encoding a label-map configuration gives ``generator``."""
    model = config.model
    return LabelEncoding(model.spec(), model.instance_edges, generator.size_multiple, model.size_policy)
