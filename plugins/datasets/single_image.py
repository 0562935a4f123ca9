"""One image, for models learned from a single image (SinGAN)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from PIL import Image
from torch.utils.data import Dataset

from zoo.data import check_image, read_image
from zoo.errors import DataError
from zoo.images import to_batch

DEFAULT = Path(__file__).parent / "images" / "balloons.png"
"""SinGAN's balloons (MIT licence, see images/NOTICE.md), used when no ``path`` is given."""


class SingleImage(Dataset):
    """One item, ``{"target": (3, H, W) in [-1, 1]}``, from an RGB, RGBA or greyscale file:
    alpha is dropped and grey expanded to RGB, each said once."""

    def __init__(self, path: str | None = None):
        self.path = Path(path) if path else DEFAULT
        if not self.path.is_file():
            raise DataError(f"{self.path}: no such image; data.path names the one training image")
        check_image(self.path)
        with Image.open(self.path) as image:
            mode, transparent = image.mode, "transparency" in image.info
        if mode in ("RGBA", "LA", "PA") or transparent:
            _say_once(f"{self.path}: the alpha channel is dropped")
        if mode in ("L", "LA", "1", "I", "I;16", "F"):
            _say_once(f"{self.path}: a greyscale image, expanded to RGB")
        self.image = to_batch(read_image(self.path), 3)[0][0] * 2 - 1

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if index != 0:
            raise IndexError(index)
        return {"target": self.image}


_SAID: set[str] = set()


def _say_once(message: str) -> None:
    """Print ``message`` once per process (the data set is opened to configure a run, then to train)."""
    if message not in _SAID:
        _SAID.add(message)
        print(message, file=sys.stderr)
