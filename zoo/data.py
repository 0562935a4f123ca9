"""Helpers every data-set plugin needs: finding and checking image files, and augmentation
randomness that depends on (seed, epoch, index) alone, so a resumed run sees the same crops and
flips as an uninterrupted one, whatever the number of loader workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError
from rich.progress import track
from torch.utils.data import Dataset

from zoo.errors import DataError

T = TypeVar("T")

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
    """The (width, height) of an image file after decoding it completely (a truncated JPEG
    passes a header check but not this)."""
    try:
        with Image.open(path) as image:
            image.load()
            return image.size
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); replace or remove the file") from None


def read_image(path: Path, mode: str = "RGB") -> Image.Image:
    """Decode an image into ``mode`` (16-bit images scaled to 8 bits, alpha dropped); a file
    that fails to decode is named in the error."""
    try:
        with Image.open(path) as image:
            image.load()  # decode now: the file closes with this block
            return to_mode(image, mode)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); replace or remove the file") from None


def to_mode(image: Image.Image, mode: str) -> Image.Image:
    """``image`` in ``mode``; 16-bit images are scaled to 8 bits first (PIL would clip them)."""
    if image.mode.startswith("I;16"):
        image = Image.fromarray((np.asarray(image, dtype=np.float32) / 257).round().astype(np.uint8))
    return image if image.mode == mode else image.convert(mode)


ID_MODES = ("L", "P", "I", "I;16", "I;16B", "I;16L", "I;16N")
"""PIL modes of single-channel integer images: label and instance maps, 8- or 16-bit."""


def read_ids(path: Path) -> np.ndarray:
    """A label or instance map as an (H, W) int64 array of the ids stored in the file."""
    try:
        with Image.open(path) as image:
            image.load()
            mode, ids = image.mode, np.asarray(image) if image.mode in ID_MODES else None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable image ({exc}); replace or remove the file") from None
    if ids is None:  # outside the try: a readable image of the wrong kind is not a broken file
        raise DataError(not_an_id_map(str(path), f"mode {mode}"))
    return ids.astype(np.int64)


def not_an_id_map(what: str, got: str) -> str:
    """The one-line error for a colour (or otherwise multi-channel) image ``what`` given as a
    label or instance map; ``got`` says what it is (``mode RGB``)."""
    return (
        f"{what}: a label or instance map must be a single-channel 8- or 16-bit image of class ids, got {got}; "
        f"convert its colours to ids first (a data set's colour rendering of its classes is not its id map)"
    )


def check_all(paths: Iterable[Path], check: Callable[[Path], T] = check_image, what: str = "images") -> dict[Path, T]:
    """``check(path)`` of every path, each file decoded once before training (in parallel threads,
    with a progress bar for large sets); the first bad file, in order, fails by name."""
    paths = list(paths)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = pool.map(check, paths)
        if len(paths) > 500:
            results = track(results, total=len(paths), description=f"checking {what}", transient=True)
        return dict(zip(paths, results, strict=True))


class SeededDataset(Dataset):
    """A data set whose augmentation draws from :meth:`rng`; the trainer calls :meth:`set_epoch`.
    With ``augment`` false, items come without random crops and flips (for encoding a data set)."""

    seed: int = 0
    epoch: int = 0
    augment: bool = True

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def rng(self, index: int) -> torch.Generator | None:
        """A generator determined by (seed, epoch, index); None while ``augment`` is off."""
        if not self.augment:
            return None
        return torch.Generator().manual_seed(hash((self.seed, self.epoch, index)) & 0x7FFF_FFFF_FFFF_FFFF)


@dataclass(frozen=True)
class LabelSpec:
    """How a data set's label values become classes: ``value + shift`` is the class, and the
    ``dontcare`` value becomes class ``label_nc``, an extra "unknown" class. ``instances`` says
    whether the data set has instance maps. ``palette`` gives each class (in class order, the
    don't-care class last where there is one) its official name and colour, for painters."""

    label_nc: int
    dontcare: int | None = None
    shift: int = 0
    instances: bool = False
    palette: tuple[tuple[str, tuple[int, int, int]], ...] = field(default=(), compare=False, repr=False)

    def swatches(self) -> list[Swatch]:
        """Every label value a map may hold, with its name and colour: the palette's, or
        ``class k`` in :func:`zoo.nn.semantic.labelcolormap`'s colours where the data set declares none."""
        values = [k - self.shift for k in range(self.label_nc)] + ([self.dontcare] if self.dontcare is not None else [])
        if len(self.palette) >= len(values):
            return [Swatch(v, name, colour) for v, (name, colour) in zip(values, self.palette, strict=False)]
        from zoo.nn.semantic import labelcolormap

        colours = labelcolormap(len(values)).tolist()
        names = [f"class {v}" for v in values[: self.label_nc]] + ["don't care"] * (self.dontcare is not None)
        return [Swatch(v, n, tuple(c)) for v, n, c in zip(values, names, colours, strict=True)]

    @property
    def semantic_nc(self) -> int:
        """Classes the networks see: the labels, and don't-care if the data have it."""
        return self.label_nc + (self.dontcare is not None)

    def describe(self) -> str:
        values = f"{-self.shift}..{self.label_nc - 1 - self.shift}"
        return values + (f" or {self.dontcare} (don't care)" if self.dontcare is not None else "")

    def invalid(self, labels: np.ndarray | torch.Tensor) -> int | None:
        """The first label value that is no class, or None."""
        valid = (labels + self.shift >= 0) & (labels + self.shift < self.label_nc)
        if self.dontcare is not None:
            valid |= labels == self.dontcare
        bad = labels[~valid].reshape(-1)
        return int(bad[0]) if len(bad) else None

    def classes(self, labels: torch.Tensor) -> torch.Tensor:
        """Label values as class indices (don't-care as ``label_nc``); other values fail."""
        value = self.invalid(labels)
        if value is not None:
            raise DataError(f"label value {value} is not one of the model's classes ({self.describe()})")
        shifted = labels + self.shift
        return shifted if self.dontcare is None else torch.where(labels == self.dontcare, self.label_nc, shifted)


@dataclass(frozen=True)
class Swatch:
    """One class as a painter shows it: the ``value`` its pixels hold in a label map."""

    value: int
    name: str
    colour: tuple[int, int, int]


def to_device(batch: Any, device: torch.device) -> Any:
    """Tensors of a (nested) batch moved to ``device``; anything else as it is."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch
