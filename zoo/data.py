"""Helpers every data-set plugin needs: finding and checking image files, and augmentation
randomness that depends on (seed, epoch, index) alone, so a resumed run sees the same crops and
flips as an uninterrupted one, whatever the number of loader workers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError
from torch.utils.data import Dataset

from zoo.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm")


def list_images(folder: str | Path, what: str = "images") -> list[Path]:
    """The image files in ``folder`` (sorted); a missing or empty folder is a :class:`DataError`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder (expected the {what} here)")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder}: no image files ({', '.join(IMAGE_SUFFIXES)}) found; expected the {what} here")
    return files


def check_image(path: Path) -> tuple[int, int]:
    """The (width, height) of an image file after checking it can be decoded."""
    try:
        with Image.open(path) as image:
            size = image.size
            image.verify()
        return size
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); replace or remove the file") from None


def read_image(path: Path, mode: str = "RGB") -> Image.Image:
    """Decode an image into ``mode``; a file that fails to decode is named in the error."""
    try:
        with Image.open(path) as image:
            return image.convert(mode)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); replace or remove the file") from None


def check_all(paths: Iterable[Path]) -> dict[Path, tuple[int, int]]:
    """Sizes of all ``paths``, checking each; the first bad one fails by name."""
    return {path: check_image(path) for path in paths}


class SeededDataset(Dataset):
    """A data set whose augmentation draws from :meth:`rng`; the trainer calls :meth:`set_epoch`."""

    seed: int = 0
    epoch: int = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def rng(self, index: int) -> torch.Generator:
        """A generator determined by (seed, epoch, index)."""
        return torch.Generator().manual_seed(hash((self.seed, self.epoch, index)) & 0x7FFF_FFFF_FFFF_FFFF)
