"""What the painter does for a model, without the page: which canvas it gets, the map it starts
on, and the output of a painted map, always by the pipeline's own methods, so the app shows what
``pipe(...)`` gives for the same map, seed and style."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from zoo.errors import ConfigError, DataError, ZooError
from zoo.inference import InferencePipeline
from zoo.labelmaps import LabelMapPipeline, StyleControls, label_spec
from zoo.registry import Registry

from .canvas import Canvas

DEFAULT_SIZE = 256


@dataclass
class Painter:
    """A label-to-image model with its palette. ``ids_in``: the pipeline takes id maps (the
    label-map families); otherwise it translates the palette's colour rendering (pix2pix on
    label colours)."""

    pipe: InferencePipeline
    canvas: Canvas
    ids_in: bool
    size: tuple[int, int]
    start: np.ndarray
    dontcare: int | None

    @property
    def controls(self) -> StyleControls:
        return self.pipe.style_controls() if self.ids_in else StyleControls()

    def generate(
        self,
        ids: np.ndarray,
        instances: np.ndarray | None = None,
        seed: int = 0,
        photo: Any = None,
        clusters: Mapping[int, int] | None = None,
    ) -> Image.Image:
        """The model's image for a painted map: ``pipe.paint(ids, instances, ...)``, or, for a
        model of label colours, ``pipe(the map in the palette's colours)``."""
        if self.ids_in:
            return self.pipe.paint(ids, instances, seed=seed, photo=photo, clusters=clusters or None)
        return self.pipe(Image.fromarray(self.canvas.render(ids)))


def painter_for(pipe: InferencePipeline, registry: Registry, size: tuple[int, int] | None = None) -> Painter:
    """The painter of a label-to-image model; a model of another kind is refused by name."""
    try:
        spec = label_spec(pipe.config.data, registry)
    except ConfigError as error:
        raise ZooError(
            f"this {pipe.config.arch} model was trained on {pipe.config.data.name!r}, which has no classes to paint "
            f"({error}); zoo paint needs a model of label maps (or of their colours), or a single-image model"
        ) from error
    ids_in = isinstance(pipe, LabelMapPipeline)
    if not ids_in and not getattr(pipe, "takes_images", False):
        raise ZooError(f"this {pipe.config.arch} model takes no label maps or images; zoo paint cannot drive it")
    canvas = Canvas(spec.swatches())
    start = _first_map(pipe, registry, canvas) if size is None else None
    if start is None:
        start = canvas.blank(*(size or _trained_size(pipe)))
    return Painter(pipe, canvas, ids_in, start.shape, start, spec.dontcare)


def id_png(ids: np.ndarray) -> bytes:
    """A map of label values as a single-channel PNG: 8-bit where the values fit, else 16-bit."""
    fits = ids.min() >= 0 and ids.max() < 256
    image = Image.fromarray(ids.astype(np.uint8)) if fits else Image.fromarray(ids.astype(np.uint16))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _first_map(pipe: InferencePipeline, registry: Registry, canvas: Canvas) -> np.ndarray | None:
    """The first label map of the model's data set, to start from, where its files are here."""
    try:
        item = registry.create("dataset", pipe.config.data.name, **pipe.config.data.options)[0]
    except (ZooError, OSError, IndexError, KeyError, TypeError, ValueError):
        return None  # a downloaded model: its data set is not on this machine
    if "label" not in item:
        return None
    ids = item["label"][0].numpy().astype(np.int64)
    try:
        canvas.render(ids)
    except DataError:
        return None
    return ids


def _trained_size(pipe: InferencePipeline) -> tuple[int, int]:
    """(height, width) of a blank canvas: the size the generator is fixed to, else the data's crop."""
    fixed = getattr(pipe.nets["G"], "output_size", None)
    if fixed:
        return tuple(fixed)
    options = pipe.config.data.options
    side = options.get("crop_size") or options.get("size") or DEFAULT_SIZE
    return side, side
