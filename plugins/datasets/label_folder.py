"""``label-folder``: label maps, optional instance maps and photos in folders, matched by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.data import LabelSpec, list_images

from .labels import LabelItem, LabelMaps
from .matching import by_key, match
from .transforms import Preprocess


class LabelFolder(LabelMaps):
    """Label maps (single-channel ids) in ``label_dir``, photos in ``image_dir`` and, if given,
    instance maps in ``instance_dir``, paired by file stem."""

    def __init__(
        self,
        label_dir: str,
        image_dir: str,
        label_nc: int,
        instance_dir: str | None = None,
        dontcare: int | None = None,
        preprocess: Preprocess = "scale_width",
        load_size: int = 1024,
        crop_size: int = 512,
        flip: bool = True,
        seed: int = 0,
    ):
        groups = {
            "label map": by_key(list_images(label_dir, "label maps"), "label map"),
            "photo": by_key(list_images(image_dir, "photos"), "photo"),
        }
        if instance_dir:
            groups["instance map"] = by_key(list_images(instance_dir, "instance maps"), "instance map")
        items = [LabelItem(m["label map"], m["photo"], m.get("instance map")) for m in match(groups)]
        spec = self.label_spec({"label_nc": label_nc, "dontcare": dontcare, "instance_dir": instance_dir})
        super().__init__(items, spec, preprocess, load_size, crop_size, flip, seed)

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        return LabelSpec(options["label_nc"], options["dontcare"], instances=options["instance_dir"] is not None)
