"""What the paired-image data sets share: channel modes, one transform per pair, size checks."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image

from zoo.data import SeededDataset
from zoo.errors import DataError

from .transforms import PairTransform, Preprocess


class PairedImages(SeededDataset):
    """Base of data sets that yield ``{"input", "target", "path"}`` from two aligned images."""

    def __init__(
        self,
        preprocess: Preprocess,
        load_size: int,
        crop_size: int,
        flip: bool,
        input_nc: int,
        output_nc: int,
        seed: int,
    ):
        self.transform = PairTransform(preprocess, load_size, crop_size, flip)
        self.modes = ("L" if input_nc == 1 else "RGB", "L" if output_nc == 1 else "RGB")
        self.seed = seed

    def check_size(self, path: Path, width: int, height: int) -> None:
        problem = self.transform.check(width, height)
        if problem:
            raise DataError(f"{path}: {width}x{height}: {problem}")

    def item(self, a: Image.Image, b: Image.Image, index: int, path: Path) -> dict[str, torch.Tensor | str]:
        a_tensor, b_tensor = self.transform([a, b], self.rng(index))
        return {"input": a_tensor, "target": b_tensor, "path": str(path)}
