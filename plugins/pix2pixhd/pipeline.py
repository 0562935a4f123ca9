"""pix2pixHD inference: label (and instance) maps in, photos out; instance styles and semantic edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from zoo.errors import ZooError
from zoo.images import OutputType, to_batch
from zoo.inference import inference
from zoo.labelmaps import LabelEncoding, LabelMapPipeline, StyleControls

from .styles import Styles, instances_of, style_map


@dataclass(frozen=True)
class Change:
    """One semantic edit: the pixels of an ``instance`` id or of a boolean ``region`` (H, W) get
    the class ``label`` and/or the style centre ``style``. A region becomes an object of its own."""

    instance: int | None = None
    region: np.ndarray | torch.Tensor | None = None
    label: int | None = None
    style: int | None = None


class Pix2PixHDPipeline(LabelMapPipeline):
    """Synthesizes photos from label maps (and instance maps). ``style`` chooses the instance styles
    of a model trained with instance features: ``"random"`` (seeded), ``{instance_id: centre}``,
    or a reference photo to encode."""

    graph_needs = ("E",)

    def __call__(
        self,
        labels: Any,
        instances: Any = None,
        *,
        style: Any = "random",
        seed: int = 0,
        output_type: OutputType = "pil",
    ) -> Any:
        label_batch, instance_batch, single = self.maps(labels, instances)
        return self.output(self.synthesize(label_batch, instance_batch, self._styles(style), seed), output_type, single)

    def style_controls(self) -> StyleControls:
        """With instance features: a seed for random styles, a style photo, and per class the
        number of K-means styles found (0 where the class learned none)."""
        if "E" not in self.nets:
            return StyleControls()
        return StyleControls(seed=True, photo=True, clusters=tuple(self.nets["E"].counts.tolist()))

    def class_styles(self, labels: Any, instances: Any, clusters: Mapping[int, int]) -> dict[int, int]:
        """``{instance: style}`` for every instance of the classes (label values) in ``clusters``."""
        label_batch, instance_batch, _ = self.maps(labels, instances)
        classes = self.encoding.spec.classes(label_batch)
        wanted = {int(value) + self.encoding.spec.shift: style for value, style in clusters.items()}
        return {i: wanted[c] for i, c, _ in instances_of(classes[0], instance_batch[0]) if c in wanted}

    def edit(
        self,
        labels: Any,
        instances: Any = None,
        changes: Sequence[Change] = (),
        *,
        style: Any = "random",
        seed: int = 0,
        output_type: OutputType = "pil",
    ) -> Any:
        """Resynthesize after ``changes``; instances they leave alone keep their styles, so the image
        changes where the edit is (and, through the network's reach, a little around it)."""
        label_batch, instance_batch, single = self.maps(labels, instances)
        styles = self._styles(style)
        if changes and isinstance(styles, torch.Tensor):
            raise ZooError("edits choose styles by centre; pass style='random' or {instance: centre}, not a photo")
        label_batch, instance_batch, styles = apply_changes(label_batch, instance_batch, changes, styles, self.encoding)
        return self.output(self.synthesize(label_batch, instance_batch, styles, seed), output_type, single)

    @inference
    def synthesize(
        self, labels: torch.Tensor, instances: torch.Tensor, style: Styles = "random", seed: int = 0
    ) -> torch.Tensor:
        """Images in [-1, 1] for label and instance batches (N, 1, H, W)."""
        photo = [style] if isinstance(style, torch.Tensor) else []
        ready = self.prepare(labels, instances, *photo)
        condition = ready.condition
        if "E" in self.nets:
            styles = ready.extra[0] if photo else style
            condition = torch.cat(
                [condition, style_map(self.nets["E"], ready.classes, ready.instances, styles, seed)], 1
            )
        return self.nets["G"](condition)[..., : ready.size[0], : ready.size[1]]

    def _styles(self, style: Any) -> Styles:
        if (isinstance(style, str) and style == "random") or isinstance(style, Mapping):
            return style
        if "E" not in self.nets:
            raise ZooError(f"this {self.config.arch} model has no instance features, so it takes no style photo")
        if isinstance(style, (str, Path, Image.Image, np.ndarray, torch.Tensor, list, tuple)):
            return to_batch(style, 3)[0] * 2 - 1
        raise ZooError(f"style must be 'random', a {{instance: centre}} mapping or a photo, not {type(style).__name__}")


def apply_changes(
    labels: torch.Tensor, instances: torch.Tensor, changes: Sequence[Change], styles: Styles, encoding: LabelEncoding
) -> tuple[torch.Tensor, torch.Tensor, Styles]:
    """The maps and styles after ``changes`` (the inputs are left as they are); new labels are
    label values, as in the maps."""
    labels, instances = labels.clone(), instances.clone()
    chosen = dict(styles) if isinstance(styles, Mapping) else {}
    next_id = int(instances.max()) + 1
    for change in changes:
        if (change.instance is None) == (change.region is None):
            raise ZooError("a change names either an instance id or a region mask")
        if change.label is not None:
            encoding.spec.classes(torch.tensor([change.label]))  # refuses a value that is no class
        if change.instance is not None:
            mask, target = instances == change.instance, change.instance
            if not mask.any():
                raise ZooError(f"instance {change.instance} is not in the instance map")
        else:
            region = torch.as_tensor(np.asarray(change.region), dtype=torch.bool)
            if region.shape[-2:] != instances.shape[-2:]:
                raise ZooError(
                    f"a region mask is {tuple(region.shape[-2:])}; it must be "
                    f"{tuple(instances.shape[-2:])}, like the maps"
                )
            mask = region.expand_as(instances)
            target, next_id = next_id, next_id + 1
            instances[mask] = target
        if change.label is not None:
            labels[mask] = change.label
        if change.style is not None:
            chosen[target] = change.style
    return labels, instances, chosen if chosen or isinstance(styles, Mapping) else styles
