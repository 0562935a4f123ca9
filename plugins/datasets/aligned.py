"""pix2pix's ``aligned`` data set: every file holds the two images side by side (A|B)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
from PIL import Image

from zoo.data import SeededDataset, check_all, list_images, read_image
from zoo.errors import DataError

from .transforms import PairTransform, Preprocess


class AlignedDataset(SeededDataset):
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
        self.files = list_images(Path(root) / split, f"A|B images of the {split!r} split")
        self.transform = PairTransform(preprocess, load_size, crop_size, flip)
        self.direction, self.seed = direction, seed
        self.modes = ("L" if input_nc == 1 else "RGB", "L" if output_nc == 1 else "RGB")
        for path, (width, height) in check_all(self.files).items():
            if width % 2:
                raise DataError(
                    f"{path}: width {width} is odd, so it cannot hold two halves A|B of equal width; "
                    f"aligned images are A and B of the same size side by side"
                )
            problem = self.transform.check(width // 2, height)
            if problem:
                raise DataError(f"{path}: each half is {width // 2}x{height}: {problem}")

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        path = self.files[index]
        image = read_image(path)
        half = image.width // 2
        a, b = image.crop((0, 0, half, image.height)), image.crop((half, 0, image.width, image.height))
        if self.direction == "BtoA":
            a, b = b, a
        a, b = self.transform([_mode(a, self.modes[0]), _mode(b, self.modes[1])], self.rng(index))
        return {"input": a, "target": b, "path": str(path)}


def _mode(image: Image.Image, mode: str) -> Image.Image:
    return image if image.mode == mode else image.convert(mode)
