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
Labels = Literal["released", "intended"]


class ADE20K(LabelMaps):
    """ADE20K: ``images/<training|validation>/*.jpg`` and ``annotations/.../*.png``; 150 classes
    stored as 1..150, 0 meaning "other". No instance maps.

    ``labels``: how the values become SPADE's 151 input channels. ``released`` (the default):
    value v to channel v, "other" to channel 0 — what the official code feeds and NVIDIA's released
    model learned, because its data set computes ``label - 1`` with 0 -> 150 in ``postprocess`` and
    then discards the result. ``intended``: that shift applied (class k to channel k - 1, "other" to
    the don't-care channel 150), as the official code means it; a model trained so is no released
    one."""

    def __init__(
        self,
        root: str = "datasets/ADEChallengeData2016",
        split: Literal["train", "val"] = "train",
        preprocess: Preprocess = "resize_and_crop",
        load_size: int | None = None,
        crop_size: int = 256,
        flip: bool = True,
        seed: int = 0,
        labels: Labels = "released",
    ):
        """``load_size`` defaults as officially: 286 to crop 256 from in training, 256 otherwise."""
        load_size = load_size or (286 if split == "train" else crop_size)
        base = Path(root)
        groups = {
            "label map": by_key(list_images(base / "annotations" / SPLITS[split], "label maps"), "label map"),
            "photo": by_key(list_images(base / "images" / SPLITS[split], "photos"), "photo"),
        }
        items = [LabelItem(m["label map"], m["photo"]) for m in match(groups)]
        super().__init__(items, self.label_spec({"labels": labels}), preprocess, load_size, crop_size, flip, seed)

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        from .palettes import ADE20K

        if options.get("labels", "released") == "intended":
            return LabelSpec(150, dontcare=0, shift=-1, palette=(*ADE20K[1:], ADE20K[0]))
        return LabelSpec(151, palette=ADE20K)  # 0..150 as they are: 0 ("other") is channel 0, no separate don't-care
