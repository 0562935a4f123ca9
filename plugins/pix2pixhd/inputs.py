"""What pix2pixHD's generator and discriminator read: one-hot labels and instance edges, at a size
the generator can take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from zoo.config import RunConfig
from zoo.errors import DataError
from zoo.nn.semantic import instance_edges, one_hot

SizePolicy = Literal["error", "pad"]


@dataclass(frozen=True)
class LabelEncoding:
    """``semantic_nc`` one-hot channels (the don't-care class included), plus the instance
    boundary map if ``edges``. Sizes must be multiples of ``multiple``: ``error`` refuses others,
    ``pad`` pads them (replicating the border) and the caller crops the result back."""

    semantic_nc: int
    edges: bool
    multiple: int
    policy: SizePolicy = "error"

    @property
    def channels(self) -> int:
        return self.semantic_nc + int(self.edges)

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

    def __call__(self, labels: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        """The generator's and discriminator's conditioning input (N, channels, H, W)."""
        outside = labels[(labels < 0) | (labels >= self.semantic_nc)]
        if outside.numel():
            raise DataError(
                f"label value {int(outside[0])} is not one of the model's classes 0..{self.semantic_nc - 1}"
            )
        semantic = one_hot(labels, self.semantic_nc)
        return torch.cat([semantic, instance_edges(instances)], 1) if self.edges else semantic


def label_encoding(config: RunConfig, generator: torch.nn.Module) -> LabelEncoding:
    """The conditioning encoding a pix2pixHD configuration gives ``generator``."""
    features = config.nets["E"].options["feat_num"] if config.model.instance_features else 0
    semantic_nc = config.nets["G"].options["input_nc"] - features - config.model.instance_edges
    return LabelEncoding(semantic_nc, config.model.instance_edges, generator.size_multiple, config.model.size_policy)
