"""pix2pix's ``aligned`` data set: every file holds the two images side by side (A|B)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch

from zoo.data import check_all, list_images, read_image
from zoo.errors import DataError

from .pairs import PairedImages
from .transforms import Preprocess


class AlignedDataset(PairedImages):
    """pix2pix aligned images: each file ``root/<split>/x.jpg`` holds A (left) and B (right).

    ``direction`` AtoB translates the left half into the right one; BtoA the reverse.
    """

    def __init__(
        self,
        root: str,
        split: str = "train",
        direction: Literal["AtoB", "BtoA"] = "AtoB",
        preprocess: Preprocess = "resize_and_crop",
        load_size: int = 286,
        crop_size: int = 256,
        flip: bool = True,
        input_nc: int = 3,
        output_nc: int = 3,
        seed: int = 0,
    ):
        super().__init__(preprocess, load_size, crop_size, flip, input_nc, output_nc, seed)
        self.files = list_images(Path(root) / split, f"A|B images of the {split!r} split")
        self.direction = direction
        for path, (width, height) in check_all(self.files).items():
            if width % 2:
                raise DataError(
                    f"{path}: width {width} is odd, so it cannot hold two halves A|B of equal width; "
                    f"aligned images are A and B of the same size side by side"
                )
            self.check_size(path, width // 2, height)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        path = self.files[index]
        image = read_image(path)
        half = image.width // 2
        halves = image.crop((0, 0, half, image.height)), image.crop((half, 0, image.width, image.height))
        a, b = halves if self.direction == "AtoB" else halves[::-1]
        return self.item(a.convert(self.modes[0]), b.convert(self.modes[1]), index, path)
