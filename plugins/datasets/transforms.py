"""pix2pix's preprocessing, applied with one draw of parameters to both images of a pair."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from PIL import Image

Preprocess = Literal["resize_and_crop", "crop", "scale_width", "scale_width_and_crop", "none"]
Kind = Literal["image", "ids"]


@dataclass(frozen=True)
class PairTransform:
    """Resize, random crop and flip as the official ``--preprocess`` options do; the crop offset
    and the flip are drawn once per pair so that input and target stay aligned."""

    preprocess: Preprocess = "resize_and_crop"
    load_size: int = 286
    crop_size: int = 256
    flip: bool = True

    def resized_size(self, width: int, height: int) -> tuple[int, int]:
        if self.preprocess == "resize_and_crop":
            return self.load_size, self.load_size
        if self.preprocess.startswith("scale_width"):
            return self.load_size, int(max(self.load_size * height / width, self.crop_size))
        if self.preprocess == "none":  # the official code rounds to multiples of 4
            return round(width / 4) * 4, round(height / 4) * 4
        return width, height

    def check(self, width: int, height: int) -> str | None:
        """Why an image of this size cannot be used, or None."""
        if self.preprocess in ("resize_and_crop", "crop", "scale_width_and_crop"):
            w, h = self.resized_size(width, height)
            if w < self.crop_size or h < self.crop_size:
                return (
                    f"{w}x{h} after resizing is smaller than crop_size {self.crop_size}; "
                    f"lower crop_size or raise load_size"
                )
        return None

    def __call__(
        self, images: list[Image.Image], rng: torch.Generator | None, kinds: tuple[Kind, ...] = ()
    ) -> list[torch.Tensor]:
        """The images (all of one size), transformed alike. ``kinds`` says which are ``ids`` maps
        (labels, instances: nearest resampling, integer tensors) rather than ``image``s. Without
        ``rng`` there is no augmentation: a centre crop and no flip."""
        size = self.resized_size(*images[0].size)
        crop = flip = None
        if self.preprocess in ("resize_and_crop", "crop", "scale_width_and_crop"):
            room_x, room_y = size[0] - self.crop_size, size[1] - self.crop_size
            if rng is None:
                x, y = room_x // 2, room_y // 2
            else:
                x = int(torch.randint(0, room_x + 1, (), generator=rng))
                y = int(torch.randint(0, room_y + 1, (), generator=rng))
            crop = (x, y, x + self.crop_size, y + self.crop_size)
        if self.flip and rng is not None:
            flip = bool(torch.rand((), generator=rng) < 0.5)
        kinds = kinds or ("image",) * len(images)
        return [self._apply(image, size, crop, flip, kind) for image, kind in zip(images, kinds, strict=True)]

    @staticmethod
    def _apply(
        image: Image.Image, size: tuple[int, int], crop: tuple | None, flip: bool | None, kind: Kind
    ) -> torch.Tensor:
        if image.size != size:
            image = image.resize(size, Image.Resampling.NEAREST if kind == "ids" else Image.Resampling.BICUBIC)
        if crop:
            image = image.crop(crop)
        if flip:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return torch.from_numpy(np.asarray(image, dtype=np.int64).copy())[None] if kind == "ids" else to_tensor(image)


def to_tensor(image: Image.Image) -> torch.Tensor:
    """A PIL image as a float tensor (C, H, W) in [-1, 1]."""
    array = np.asarray(image, dtype=np.float32)
    array = array[..., None] if array.ndim == 2 else array
    return torch.from_numpy(array.copy()).permute(2, 0, 1) / 127.5 - 1


def ids_image(ids: np.ndarray) -> Image.Image:
    """An id map as a 32-bit PIL image, which resizes and crops without losing 16-bit ids."""
    return Image.fromarray(ids.astype(np.int32), "I")
