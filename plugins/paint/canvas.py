"""The painter's label maps: class ids shown in a model's palette, strokes and fills, and uploaded
maps read back to ids, with one-line messages for what is not a label map of the model. No web
framework here: the app (``app.py``) only moves these arrays between the page and the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from zoo.data import ID_MODES, Swatch
from zoo.errors import DataError

PLAIN_IDS = tuple(mode for mode in ID_MODES if mode != "P")
"""Modes whose pixels are the ids themselves; an uploaded palette (P) PNG is read by its colours."""

TOLERANCE = 24
"""How far (per channel, 0..255) a colour may be from its class's and still count as it: a
resaved or lightly compressed colour map reads; a photo does not."""


class Canvas:
    """A model's classes (:meth:`zoo.data.LabelSpec.swatches`) as a painter's palette."""

    def __init__(self, swatches: Sequence[Swatch]):
        self.swatches = list(swatches)
        self.values = np.array([s.value for s in self.swatches], dtype=np.int64)
        self.colours = np.array([s.colour for s in self.swatches], dtype=np.uint8)

    def label(self, index: int) -> str:
        """The name a palette entry is chosen by: its class name and value."""
        swatch = self.swatches[index]
        return f"{swatch.name} ({swatch.value})"

    def blank(self, height: int, width: int, value: int | None = None) -> np.ndarray:
        """A map of one class (the first, by default) to start painting on."""
        return np.full((height, width), self.values[0] if value is None else value, dtype=np.int64)

    def render(self, ids: np.ndarray) -> np.ndarray:
        """The map (H, W) of label values as an RGB image (H, W, 3) in the palette's colours."""
        return self.colours[self._indices(ids, "the label map")]

    def stroke(self, ids: np.ndarray, before: np.ndarray, after: np.ndarray, value: int) -> np.ndarray:
        """``ids`` with class ``value`` wherever the painted canvas ``after`` differs from its
        rendering ``before`` (the brush paints one class; its soft edge counts as painted)."""
        changed = np.any(np.asarray(after)[..., :3] != np.asarray(before)[..., :3], axis=-1)
        if changed.shape != ids.shape:
            raise DataError(
                f"the canvas is {changed.shape[1]}x{changed.shape[0]}; the label map {ids.shape[1]}x{ids.shape[0]}"
            )
        painted = ids.copy()
        painted[changed] = value
        return painted

    @staticmethod
    def fill(ids: np.ndarray, x: int, y: int, value: int) -> np.ndarray:
        """``ids`` with the connected region of one class around pixel (x, y) given class ``value``."""
        from scipy import ndimage

        regions, _ = ndimage.label(ids == ids[y, x])
        filled = ids.copy()
        filled[regions == regions[y, x]] = value
        return filled

    def read(self, path: str | Path, what: str = "label map") -> np.ndarray:
        """An uploaded map as label values: a single-channel id PNG (8 or 16 bit) as it is, a
        colour image by the palette's colours (where two classes share a colour, the first)."""
        image = _open(path, what)
        if image.mode in PLAIN_IDS:
            ids = np.asarray(image).astype(np.int64)
            self._indices(ids, f"{Path(path).name} ({what})")
            return ids
        return self._decode(np.asarray(image.convert("RGB")), Path(path).name, what)

    def _decode(self, rgb: np.ndarray, name: str, what: str) -> np.ndarray:
        """Each pixel's class by its nearest palette colour, measured once per distinct colour."""
        colours, inverse = np.unique(rgb.reshape(-1, 3), axis=0, return_inverse=True)
        distance = np.abs(colours[:, None, :].astype(np.int16) - self.colours[None].astype(np.int16)).max(-1)
        nearest, unknown = distance.argmin(-1)[inverse], (distance.min(-1) > TOLERANCE)[inverse]
        if unknown.any():
            share = unknown.mean()
            raise DataError(
                f"{name}: {share:.0%} of its pixels are no class colour of this model's palette, so it is no colour "
                f"{what} of this model (a photo?); upload an id PNG (one channel of class values) or a map painted in "
                f"the palette's colours"
            )
        return self.values[nearest].reshape(rgb.shape[:2])

    def _indices(self, ids: np.ndarray, what: str) -> np.ndarray:
        """Each pixel's palette index; a value that is no class of the model fails, naming it."""
        order = np.argsort(self.values, kind="stable")
        position = np.clip(np.searchsorted(self.values[order], ids), 0, len(order) - 1)
        index = order[position]
        bad = self.values[index] != ids
        if bad.any():
            y, x = np.argwhere(bad)[0]
            known = ", ".join(str(v) for v in self.values[:8]) + (", ..." if len(self.values) > 8 else "")
            raise DataError(
                f"{what}: label value {ids[y, x]} (at x={x}, y={y}) is not one of this model's classes ({known}); "
                f"upload a map of the classes the model was trained on"
            )
        return index


def _open(path: str | Path, what: str) -> Image.Image:
    try:
        image = Image.open(path)
        image.load()
    except (OSError, ValueError) as error:
        raise DataError(f"{Path(path).name}: not an image ({error}); upload a PNG {what}") from error
    return image
