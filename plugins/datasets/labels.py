"""Label-map data sets: a label map (class ids), an optional instance map and the photo.

Every file is decoded and checked before training: label values must be classes of the data set's
:class:`~zoo.data.LabelSpec` (or its don't-care value), maps must be single-channel 8- or 16-bit
id images, and the three files of an item must share one size. Items keep the files' label values;
the label-map architectures turn them into classes with the same spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from zoo.data import LabelSpec, SeededDataset, check_all, check_image, read_ids, read_image
from zoo.errors import DataError

from .transforms import PairTransform, Preprocess, ids_image


@dataclass(frozen=True)
class LabelItem:
    label: Path
    image: Path
    instance: Path | None = None


class LabelMaps(SeededDataset):
    """Base of the label-map data sets; items are ``{"label", "instance"?, "target", "path"}``."""

    def __init__(
        self,
        items: list[LabelItem],
        spec: LabelSpec,
        preprocess: Preprocess,
        load_size: int,
        crop_size: int,
        flip: bool,
        seed: int,
    ):
        if not items:
            raise DataError("no label maps found")
        self.items, self.spec, self.seed = items, spec, seed
        self.transform = PairTransform(preprocess, load_size, crop_size, flip)
        for item, (width, height) in check_all(items, self._check, "label maps").items():
            problem = self.transform.check(width, height)
            if problem:
                raise DataError(f"{item.image}: {width}x{height}: {problem}")

    def _check(self, item: LabelItem) -> tuple[int, int]:
        labels = read_ids(item.label)
        self._check_values(item.label, labels)
        size = labels.shape[::-1]
        others = {item.image: check_image(item.image)}
        if item.instance:
            others[item.instance] = read_ids(item.instance).shape[::-1]
        for path, other in others.items():
            if tuple(other) != tuple(size):
                raise DataError(
                    f"{path} is {other[0]}x{other[1]} but its label map {item.label} is {size[0]}x{size[1]}"
                )
        return size

    def _check_values(self, path: Path, labels: np.ndarray) -> None:
        value = self.spec.invalid(labels)
        if value is not None:
            raise DataError(
                f"{path}: label value {value} is not a class ({self.spec.describe()}); set data.label_nc "
                f"(or data.dontcare), or fix the file"
            )

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        item = self.items[index]
        maps = [ids_image(read_ids(item.label))] + ([ids_image(read_ids(item.instance))] if item.instance else [])
        kinds = ("ids",) * len(maps) + ("image",)
        *ids, image = self.transform([*maps, read_image(item.image)], self.rng(index), kinds)
        out = {"label": ids[0], "target": image, "path": str(item.image)}
        if item.instance:
            out["instance"] = ids[1]
        return out
