"""What pix2pixHD's (and SPADE's) networks read: one-hot labels and instance edges, at a size the
generator can take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from zoo.config import RunConfig, Settings
from zoo.errors import DataError
from zoo.nn.semantic import instance_edges, one_hot

SizePolicy = Literal["error", "pad"]


class LabelOptions(Settings):
    """How label and instance maps reach the networks (the ``model`` section of label-map
    architectures)."""

    instance_edges: bool = True
    """Concatenate the instance boundary map (pix2pixHD's default; ``--no_instance`` turns it off)."""
    size_policy: SizePolicy = "error"
    """Sizes that are not multiples of the generator's stride: ``error``, or ``pad`` and crop back."""
    label_nc: int = 0
    """The data set's classes; derived from the data set, not set by hand."""
    dontcare: int | None = None
    """The data set's don't-care label value, mapped to class ``label_nc``; derived, not set by hand."""


@dataclass(frozen=True)
class LabelEncoding:
    """``label_nc`` one-hot channels plus one for don't-care (if the data have it), plus the
    instance boundary map if ``edges``. Sizes must be multiples of ``multiple``: ``error``
    refuses others, ``pad`` pads them (replicating the border) and the caller crops back."""

    label_nc: int
    dontcare: int | None
    edges: bool
    multiple: int
    policy: SizePolicy = "error"

    @property
    def semantic_nc(self) -> int:
        return self.label_nc + (self.dontcare is not None)

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

    def classes(self, labels: torch.Tensor) -> torch.Tensor:
        """Label values as class indices: the don't-care value becomes ``label_nc``; anything else
        outside the classes is refused."""
        if self.dontcare is not None:
            labels = torch.where(labels == self.dontcare, self.label_nc, labels)
        outside = labels[(labels < 0) | (labels >= self.semantic_nc)]
        if outside.numel():
            allowed = f"0..{self.label_nc - 1}" + (
                f" or {self.dontcare} (don't care)" if self.dontcare is not None else ""
            )
            raise DataError(f"label value {int(outside[0])} is not one of the model's classes ({allowed})")
        return labels

    def __call__(self, labels: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        """The conditioning input (N, semantic_nc [+ 1], H, W) of class-index label maps."""
        semantic = one_hot(labels, self.semantic_nc)
        return torch.cat([semantic, instance_edges(instances)], 1) if self.edges else semantic


def label_encoding(config: RunConfig, generator: torch.nn.Module) -> LabelEncoding:
    """The conditioning encoding a label-map configuration gives ``generator``."""
    model = config.model
    return LabelEncoding(
        model.label_nc, model.dontcare, model.instance_edges, generator.size_multiple, model.size_policy
    )
