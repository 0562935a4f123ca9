"""Data-set plugins: pix2pix's aligned folders, paired folders, the synthetic default; bad input
fails before training with the file named."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import write_image
from PIL import Image

import zoo
from zoo.errors import DataError


def _aligned(root, split="train", **options):
    return zoo.get_registry().create("dataset", "aligned", root=str(root), split=split, **options)


def _write_pair_image(path, left, right):
    Image.fromarray(np.concatenate([left, right], axis=1)).save(path)


def test_aligned_splits_a_b_and_applies_one_crop_and_flip_to_both_halves(tmp_path):
    rng = np.random.default_rng(0)
    left = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    (tmp_path / "train").mkdir()
    _write_pair_image(tmp_path / "train" / "0.png", left, 255 - left)  # B is the negative of A
    data = _aligned(tmp_path, load_size=40, crop_size=32, preprocess="crop")
    views = set()
    for epoch in range(6):
        data.set_epoch(epoch)
        item = data[0]
        assert item["input"].shape == item["target"].shape == (3, 32, 32)
        assert torch.allclose(item["input"], -item["target"], atol=1e-5)  # same crop, same flip
        views.add(item["input"].numpy().tobytes())
    assert len(views) > 1  # the crop and flip change from epoch to epoch
    reversed_ = _aligned(tmp_path, direction="BtoA", preprocess="none", flip=False)[0]
    forward = _aligned(tmp_path, preprocess="none", flip=False)[0]
    assert torch.equal(reversed_["input"], forward["target"])


def test_aligned_augmentation_depends_on_seed_epoch_and_index_only(tmp_path):
    for i in range(3):
        write_image(tmp_path / "train" / f"{i}.png", 80, 40, seed=i)
    a, b = _aligned(tmp_path, load_size=40, crop_size=32), _aligned(tmp_path, load_size=40, crop_size=32)
    b[2], b[0]  # reading others first changes nothing
    assert torch.equal(a[1]["input"], b[1]["input"])
    a.set_epoch(1)
    crops = {a[1]["input"].sum().item() for _ in range(2)}
    assert len(crops) == 1


def test_aligned_default_preprocessing_is_resize_286_crop_256(tmp_path):
    write_image(tmp_path / "train" / "x.jpg", 600, 300)
    item = _aligned(tmp_path)[0]
    assert item["input"].shape == (3, 256, 256) and item["input"].min() >= -1 and item["input"].max() <= 1


def test_aligned_odd_width_is_named(tmp_path):
    write_image(tmp_path / "train" / "ok.png", 64, 32)
    bad = write_image(tmp_path / "train" / "odd.png", 65, 32)
    with pytest.raises(DataError, match=f"{bad}: width 65 is odd"):
        _aligned(tmp_path, load_size=32, crop_size=32)


@pytest.mark.parametrize(("damage", "suffix"), [("garbage", ".png"), ("truncated", ".png"), ("truncated", ".jpg")])
def test_unreadable_or_corrupt_images_are_named(tmp_path, damage, suffix):
    good = write_image(tmp_path / "train" / f"a{suffix}", 64, 32)
    bad = tmp_path / "train" / f"b{suffix}"
    content = good.read_bytes()
    bad.write_bytes(b"not an image at all" if damage == "garbage" else content[: len(content) // 2])
    with pytest.raises(DataError, match=f"{bad}: not a readable image"):
        _aligned(tmp_path, load_size=32, crop_size=32)


def test_missing_or_empty_folders_are_named(tmp_path):
    with pytest.raises(DataError, match=f"{tmp_path / 'train'}: no such folder"):
        _aligned(tmp_path)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "notes.txt").write_text("no images here")
    with pytest.raises(DataError, match="no image files"):
        _aligned(tmp_path)


def test_images_smaller_than_the_crop_are_refused(tmp_path):
    write_image(tmp_path / "train" / "small.png", 40, 20)
    with pytest.raises(DataError, match="smaller than crop_size 256"):
        _aligned(tmp_path, preprocess="crop")


def _paired(a, b, **options):
    return zoo.get_registry().create("dataset", "paired-folders", input_dir=str(a), target_dir=str(b), **options)


def test_paired_folders_match_by_stem(tmp_path):
    for stem in ("x", "y"):
        write_image(tmp_path / "A" / f"{stem}.png", 32, 32, seed=1)
        write_image(tmp_path / "B" / f"{stem}.jpg", 32, 32, seed=2)
    data = _paired(tmp_path / "A", tmp_path / "B", preprocess="none", flip=False)
    assert len(data) == 2 and data[0]["path"].endswith("x.png")
    assert data[0]["input"].shape == data[0]["target"].shape == (3, 32, 32)


def test_paired_folders_refuse_a_file_without_partner_or_of_another_size(tmp_path):
    write_image(tmp_path / "A" / "x.png", 32, 32)
    write_image(tmp_path / "B" / "x.png", 32, 32)
    lonely = write_image(tmp_path / "A" / "lonely.png", 32, 32)
    with pytest.raises(DataError, match=f"{lonely}: no target named .lonely. to go with it"):
        _paired(tmp_path / "A", tmp_path / "B")
    lonely.unlink()
    wrong = write_image(tmp_path / "B" / "x.png", 48, 32)
    with pytest.raises(DataError, match=f"is 32x32 but its partner {wrong} is 48x32"):
        _paired(tmp_path / "A", tmp_path / "B", preprocess="none")


def test_bad_data_fails_before_training_starts(tmp_path):
    write_image(tmp_path / "train" / "odd.png", 33, 16)
    cfg = zoo.make_config("pix2pix", data="aligned", overrides=[f"data.root={tmp_path}", "train.device=cpu"])
    with pytest.raises(DataError, match=r"odd.png: width 33 is odd"):
        zoo.train(cfg, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_synthetic_scenes_are_deterministic_and_split():
    make = zoo.get_registry().get("dataset", "synthetic").obj
    a, b = make(size=64, num_samples=4), make(size=64, num_samples=4)
    assert all(torch.equal(a[i]["target"], b[i]["target"]) for i in range(4))
    assert not torch.equal(a[0]["target"], make(size=64, split="val")[0]["target"])
    item = a[0]
    assert item["input"].shape == item["target"].shape == (3, 64, 64) and item["label"].shape == (1, 64, 64)
    assert set(item["label"].unique().tolist()) <= set(range(6)) and len(item["label"].unique()) >= 4


def test_two_files_with_one_name_are_ambiguous(tmp_path):
    write_image(tmp_path / "A" / "x.png", 32, 32)
    write_image(tmp_path / "A" / "x.jpg", 32, 32)
    write_image(tmp_path / "B" / "x.png", 32, 32)
    with pytest.raises(DataError, match=r"are both the input .x."):
        _paired(tmp_path / "A", tmp_path / "B")


def test_grey_16_bit_and_odd_sized_images(tmp_path):
    write_image(tmp_path / "A" / "x.png", 30, 22, mode="L")
    (tmp_path / "B").mkdir()
    Image.fromarray(np.full((22, 30), 65535, dtype=np.uint16)).save(tmp_path / "B" / "x.png")
    data = _paired(tmp_path / "A", tmp_path / "B", preprocess="none", flip=False, input_nc=1)
    item = data[0]
    assert item["input"].shape == (1, 24, 32)  # rounded to multiples of 4, as the official code does
    assert item["target"].shape == (3, 24, 32) and item["target"].min() == pytest.approx(1.0)  # 16-bit white
