"""Cityscapes, in its original tree or in pix2pixHD's flat layout."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zoo.data import LabelSpec
from zoo.errors import DataError

from .labels import LabelItem, LabelMaps
from .matching import by_key, match
from .transforms import Preprocess

SUFFIXES = ("_gtFine_labelIds", "_gtFine_instanceIds", "_leftImg8bit")


def _key(path: Path) -> str:
    """``aachen_000000_000019`` for each of the three files of a frame."""
    stem = path.stem
    for suffix in SUFFIXES:
        stem = stem.removesuffix(suffix)
    return stem


class Cityscapes(LabelMaps):
    """Cityscapes label ids (35 classes), instance ids and photos: ``leftImg8bit/<split>/<city>/``
    with ``gtFine/<split>/<city>/``, or pix2pixHD's ``<split>_label/ <split>_inst/ <split>_img/``."""

    def __init__(
        self,
        root: str = "datasets/cityscapes",
        split: str = "train",
        instances: bool = True,
        label_nc: int = 35,
        preprocess: Preprocess = "scale_width",
        load_size: int = 1024,
        crop_size: int = 512,
        flip: bool = True,
        seed: int = 0,
    ):
        folders = _folders(Path(root), split)
        groups = {
            "label map": by_key(_labels(folders["label map"], "*_labelIds.png"), "label map", _key),
            "photo": by_key(_labels(folders["photo"], "*.png"), "photo", _key),
        }
        if instances:
            groups["instance map"] = by_key(_labels(folders["instance map"], "*_instanceIds.png"), "instance map", _key)
        items = [LabelItem(m["label map"], m["photo"], m.get("instance map")) for m in match(groups)]
        super().__init__(
            items,
            self.label_spec({"label_nc": label_nc, "instances": instances}),
            preprocess,
            load_size,
            crop_size,
            flip,
            seed,
        )

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        from .palettes import CITYSCAPES

        return LabelSpec(options["label_nc"], instances=options["instances"], palette=CITYSCAPES[: options["label_nc"]])


def _folders(root: Path, split: str) -> dict[str, Path]:
    if (root / "gtFine").is_dir():
        return {
            "label map": root / "gtFine" / split,
            "instance map": root / "gtFine" / split,
            "photo": root / "leftImg8bit" / split,
        }
    if (root / f"{split}_label").is_dir():
        return {
            "label map": root / f"{split}_label",
            "instance map": root / f"{split}_inst",
            "photo": root / f"{split}_img",
        }
    raise DataError(
        f"{root}: not a Cityscapes folder; expected leftImg8bit/{split}/ and gtFine/{split}/ (the original "
        f"layout) or {split}_label/, {split}_inst/ and {split}_img/ (pix2pixHD's)"
    )


def _labels(folder: Path, pattern: str) -> list[Path]:
    """Matching files of ``folder`` or of its city sub-folders."""
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder")
    found = sorted(folder.glob(pattern)) or sorted(folder.glob(f"*/{pattern}"))
    if not found:
        raise DataError(f"{folder}: no files matching {pattern} (here or in city sub-folders)")
    return found
