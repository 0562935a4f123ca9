"""ADE20K (the SceneParsing ``ADEChallengeData2016`` release), with SPADE's label rules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from zoo.data import LabelSpec, list_images

from .labels import LabelItem, LabelMaps
from .matching import by_key, match
from .transforms import Preprocess

SPLITS = {"train": "training", "val": "validation"}


class ADE20K(LabelMaps):
    """ADE20K: ``images/<training|validation>/*.jpg`` and ``annotations/.../*.png``; 150 classes
    stored as 1..150, 0 meaning "other" (SPADE shifts the labels down and makes 0 the extra
    don't-care class 150). No instance maps."""

    def __init__(
        self,
        root: str = "datasets/ADEChallengeData2016",
        split: Literal["train", "val"] = "train",
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
            "label map": by_key(list_images(base / "annotations" / SPLITS[split], "label maps"), "label map"),
            "photo": by_key(list_images(base / "images" / SPLITS[split], "photos"), "photo"),
        }
        items = [LabelItem(m["label map"], m["photo"]) for m in match(groups)]
        super().__init__(items, self.label_spec({}), preprocess, load_size, crop_size, flip, seed)

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        return LabelSpec(150, dontcare=0, shift=-1)
