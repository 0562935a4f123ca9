"""Label-map data sets: Cityscapes in both layouts, label folders, and every bad input named."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import write_image
from PIL import Image

import zoo
from zoo.data import LabelSpec
from zoo.errors import DataError


def _ids(path, array, dtype=np.uint8):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=dtype)).save(path)
    return path


def _scene(rng, h=16, w=32, label_nc=35):
    labels = rng.integers(0, label_nc, (h, w))
    instances = np.where(labels > 23, labels * 1000 + rng.integers(0, 3, (h, w)), labels)  # 16-bit ids
    return labels, instances


def _dataset(name, **options):
    return zoo.get_registry().create("dataset", name, **options)


@pytest.mark.parametrize("layout", ["original", "pix2pixhd"])
def test_cityscapes_reads_both_layouts(tmp_path, layout):
    rng = np.random.default_rng(0)
    for city, frame in [("aachen", "aachen_000000_000019"), ("bremen", "bremen_000001_000019")]:
        labels, instances = _scene(rng)
        if layout == "original":
            gt, img = tmp_path / "gtFine" / "train" / city, tmp_path / "leftImg8bit" / "train" / city
            label_path, inst_path = gt / f"{frame}_gtFine_labelIds.png", gt / f"{frame}_gtFine_instanceIds.png"
            image_path = img / f"{frame}_leftImg8bit.png"
        else:
            label_path = tmp_path / "train_label" / f"{frame}_gtFine_labelIds.png"
            inst_path = tmp_path / "train_inst" / f"{frame}_gtFine_instanceIds.png"
            image_path = tmp_path / "train_img" / f"{frame}_leftImg8bit.png"
        _ids(label_path, labels)
        _ids(inst_path, instances, np.uint16)
        write_image(image_path, 32, 16)
    data = _dataset("cityscapes", root=str(tmp_path), preprocess="none", flip=False)
    assert len(data) == 2
    item = data[0]
    assert item["label"].dtype == torch.int64 and item["label"].shape == (1, 16, 32)
    assert item["instance"].max() > 255  # 16-bit instance ids survive
    assert item["target"].shape == (3, 16, 32)
    assert torch.equal(item["label"][0], torch.from_numpy(np.asarray(Image.open(data.items[0].label), dtype=np.int64)))


def test_cityscapes_names_a_folder_that_is_neither_layout(tmp_path):
    with pytest.raises(DataError, match="not a Cityscapes folder; expected leftImg8bit/train/ and gtFine/train/"):
        _dataset("cityscapes", root=str(tmp_path))


def _folder(tmp_path, labels, instances=None, image_size=None):
    _ids(tmp_path / "labels" / "a.png", labels)
    write_image(tmp_path / "images" / "a.jpg", *(image_size or labels.shape[::-1]))
    if instances is not None:
        _ids(tmp_path / "instances" / "a.png", instances, np.uint16)
    return {
        "label_dir": str(tmp_path / "labels"),
        "image_dir": str(tmp_path / "images"),
        "instance_dir": str(tmp_path / "instances") if instances is not None else None,
        "preprocess": "none",
        "flip": False,
    }


def test_label_folder_keeps_label_values_and_its_spec_maps_dontcare_to_its_own_class(tmp_path):
    labels = np.array([[0, 1, 255, 2]] * 4)
    options = _folder(tmp_path, labels)
    data = _dataset("label-folder", label_nc=3, dontcare=255, **options)
    assert data[0]["label"][0, 0].tolist() == [0, 1, 255, 2] and "instance" not in data[0]
    assert data.spec.classes(data[0]["label"])[0, 0].tolist() == [0, 1, 3, 2]
    assert data.spec == LabelSpec(3, 255, instances=False)


@pytest.mark.parametrize(
    ("labels", "options", "message"),
    [
        (np.full((4, 4), 7), {"label_nc": 5}, r"a\.png: label value 7 is not a class \(0\.\.4\)"),
        (
            np.full((4, 4), 200),
            {"label_nc": 5, "dontcare": 255},
            r"value 200 is not a class \(0\.\.4 or 255 \(don't care\)\)",
        ),
    ],
)
def test_labels_beyond_label_nc_are_named(tmp_path, labels, options, message):
    with pytest.raises(DataError, match=message):
        _dataset("label-folder", **options, **_folder(tmp_path, labels))


def test_mismatched_sizes_missing_partners_and_colour_maps_are_named(tmp_path):
    options = _folder(tmp_path, np.zeros((4, 8)), instances=np.zeros((4, 6)))
    with pytest.raises(DataError, match=r"instances/a\.png is 6x4 but its label map .*labels/a\.png is 8x4"):
        _dataset("label-folder", label_nc=3, **options)
    _ids(tmp_path / "instances" / "a.png", np.zeros((4, 8)), np.uint16)
    write_image(tmp_path / "labels" / "b.png", 8, 4, mode="L")
    with pytest.raises(DataError, match=r"labels/b\.png: no photo named 'b' to go with it"):
        _dataset("label-folder", label_nc=3, **options)
    (tmp_path / "labels" / "b.png").unlink()
    write_image(tmp_path / "instances" / "a.png", 8, 4)  # an RGB "instance map"
    with pytest.raises(DataError, match=r"instances/a\.png: a label or instance map must be a single-channel"):
        _dataset("label-folder", label_nc=3, **options)


def test_label_and_photo_are_transformed_alike(tmp_path):
    labels = np.tile(np.arange(8), (8, 1))  # class = column
    options = _folder(tmp_path, labels) | {
        "preprocess": "resize_and_crop",
        "load_size": 16,
        "crop_size": 8,
        "flip": True,
    }
    photo = np.zeros((8, 8, 3), dtype=np.uint8)
    photo[..., 0] = labels * 30  # red = 30 x class
    Image.fromarray(photo).save(tmp_path / "images" / "a.jpg", quality=100)
    data = _dataset("label-folder", label_nc=8, **options)
    flips = set()
    for epoch in range(6):
        data.set_epoch(epoch)
        item = data[0]
        row, red = item["label"][0, 4].float(), (item["target"][0, 4] + 1) * 127.5 / 30
        assert set(row.tolist()) <= set(range(8))  # nearest resampling keeps ids
        assert (red - row).abs().mean() < 0.75  # the photo was cropped and flipped with the label
        flips.add(bool(row[0] > row[-1]))
    assert flips == {True, False}


@pytest.mark.parametrize(
    ("labels", "channels"),
    [("released", [0, 1, 150, 7]), ("intended", [150, 0, 149, 6])],  # values 0 ("other"), 1, 150, 7
)
def test_ade20k_feeds_values_as_the_released_model_saw_them_or_shifted_as_intended(tmp_path, labels, channels):
    root = tmp_path / "ADEChallengeData2016"
    _ids(root / "annotations" / "training" / "ADE_train_1.png", [[0, 1, 150, 7]] * 4)
    write_image(root / "images" / "training" / "ADE_train_1.jpg", 4, 4)
    options = {"root": str(root), "load_size": 4, "crop_size": 4, "flip": False, "labels": labels}
    data = _dataset("ade20k", **options)
    spec = zoo.get_registry().get("dataset", "ade20k").obj.label_spec(options)
    assert spec.semantic_nc == 151 and data.spec == spec
    assert data.spec.classes(data[0]["label"])[0, 0].tolist() == channels
    config = zoo.make_config("spade", data="ade20k", overrides=[f"data.labels={labels}", f"data.root={root}"])
    assert config.nets["G"].options["semantic_nc"] == 151 and config.model.label_nc == spec.label_nc
