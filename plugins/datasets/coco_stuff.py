"""COCO-Stuff in the layout SPADE's scripts prepare: ``<split>_label/``, ``<split>_img/``, ``<split>_inst/``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo.data import LabelSpec, list_images

from .labels import LabelItem, LabelMaps
from .matching import by_key, match
from .transforms import Preprocess


class COCOStuff(LabelMaps):
    """COCO-Stuff: 182 classes, 255 for unlabelled pixels (the extra don't-care class), and
    instance maps for the thing classes, in ``<split>_label/ <split>_img/ <split>_inst/``."""

    def __init__(
        self,
        root: str = "datasets/coco_stuff",
        split: str = "train",
        instances: bool = True,
        preprocess: Preprocess = "resize_and_crop",
        load_size: int | None = None,
        crop_size: int = 256,
        flip: bool = True,
        seed: int = 0,
    ):
        """``load_size`` defaults as officially: 286 to crop 256 from in training, 256 otherwise."""
        load_size = load_size or (286 if split == "train" else crop_size)
        base = Path(root)
        groups = {
            "label map": by_key(list_images(base / f"{split}_label", "label maps"), "label map"),
            "photo": by_key(list_images(base / f"{split}_img", "photos"), "photo"),
        }
        if instances:
            groups["instance map"] = by_key(list_images(base / f"{split}_inst", "instance maps"), "instance map")
        items = [LabelItem(m["label map"], m["photo"], m.get("instance map")) for m in match(groups)]
        super().__init__(items, self.label_spec({"instances": instances}), preprocess, load_size, crop_size, flip, seed)

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        from .palettes import COCO_STUFF

        palette = (*COCO_STUFF, ("unlabeled", (0, 0, 0)))
        return LabelSpec(182, dontcare=255, instances=options["instances"], palette=palette)
