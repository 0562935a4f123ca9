"""Inference: zoo.load gives an eval-mode pipeline for PIL images, arrays, tensors and paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import write_image
from PIL import Image
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.errors import CheckpointError, ZooError
from zoo.plugins.pix2pix.pipeline import Pix2PixPipeline


def test_load_a_run_folder_and_translate_every_kind_of_input(trained_run, tmp_path):
    pipe = zoo.load(trained_run)
    assert isinstance(pipe, Pix2PixPipeline) and pipe.device.type == "cpu"
    assert not pipe.nets.training
    array = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    image = Image.fromarray(array)
    out = pipe(image)
    assert isinstance(out, Image.Image) and out.size == (32, 32)
    assert np.array_equal(np.asarray(out), pipe(array, output_type="np"))
    as_float = torch.from_numpy(array).permute(2, 0, 1).float() / 255
    assert torch.allclose(
        pipe(as_float, output_type="pt") * 255, torch.from_numpy(np.array(out)).permute(2, 0, 1).float(), atol=1
    )
    batch = pipe([image, image])
    assert isinstance(batch, list) and len(batch) == 2
    assert pipe(torch.stack([as_float, as_float]), output_type="pt").shape == (2, 3, 32, 32)
    path = tmp_path / "in.png"
    image.save(path)
    assert np.array_equal(np.asarray(pipe(path)), np.asarray(out))


def test_eval_mode_is_deterministic_and_paper_mode_keeps_dropout_and_batch_statistics():
    cfg = zoo.make_config("pix2pix", overrides=["G.name=unet", "G.num_downs=6", "G.ngf=4"])
    arch = zoo.get_registry().get("architecture", "pix2pix").obj
    pipe = arch.pipeline(cfg, arch.build_nets(cfg, zoo.get_registry(), ["G"]), device="cpu")
    image = torch.rand(3, 64, 64)
    assert torch.equal(pipe(image, output_type="pt"), pipe(image, output_type="pt"))
    stats = {k: v.clone() for k, v in pipe.nets.state_dict().items()}
    pipe.test_mode = "paper"
    torch.manual_seed(0)
    first = pipe(torch.stack([image, image]), output_type="pt")
    assert not torch.equal(first[0], first[1])  # dropout differs per sample
    assert all(torch.equal(v, pipe.nets.state_dict()[k]) for k, v in stats.items() if "num_batches" not in k)
    assert not pipe.nets.training


def test_sizes_the_generator_cannot_take_fail_clearly(trained_run):
    pipe = zoo.load(trained_run, device="cpu")
    with pytest.raises(ZooError, match="input of 40x32 pixels: unet needs width and height that are multiples of 32"):
        pipe(torch.rand(3, 32, 40))
    with pytest.raises(ZooError, match="one size"):
        pipe([torch.rand(3, 32, 32), torch.rand(3, 64, 64)])
    with pytest.raises(ZooError, match="cannot use dict as an image"):
        pipe({"not": "an image"})


def test_save_pretrained_round_trips(trained_run, tmp_path):
    pipe = zoo.load(trained_run, device="cpu")
    pipe.save_pretrained(tmp_path / "model")
    assert {"config.json", "model.safetensors"} <= {p.name for p in (tmp_path / "model").iterdir()}
    again = zoo.Pipeline.from_pretrained(tmp_path / "model")
    assert isinstance(again, Pix2PixPipeline)
    assert again.config.to_dict() == pipe.config.to_dict()
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(again(x, output_type="pt"), pipe(x, output_type="pt"))
    assert set(load_file(tmp_path / "model" / "model.safetensors")) == {f"G.{k}" for k in pipe.nets["G"].state_dict()}


def test_loading_is_strict_and_names_the_keys(trained_run, tmp_path):
    folder = tmp_path / "model"
    zoo.load(trained_run, device="cpu").save_pretrained(folder)
    weights = load_file(folder / "model.safetensors")
    weights["G.extra"] = torch.zeros(1)
    del weights["G.model.model.0.weight"]
    save_file(weights, folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"missing keys: G\.model\.model\.0\.weight; unexpected keys: G\.extra"):
        zoo.load(folder)
    (folder / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        zoo.load(folder)
    with pytest.raises(ZooError, match="not a saved model, run or checkpoint folder"):
        zoo.load(tmp_path)


def test_zoo_generate_translates_a_folder(trained_run, tmp_path):
    for i in range(3):
        write_image(tmp_path / "in" / f"img{i}.jpg", 32, 32, seed=i)
    args = ["generate", "--model", str(trained_run), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    outs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert outs == ["img0.png", "img1.png", "img2.png"]
    assert Image.open(tmp_path / "out" / "img0.png").size == (32, 32)


def test_inputs_are_converted_to_the_generators_channels_or_refused_clearly(trained_run):
    pipe = zoo.load(trained_run, device="cpu")
    grey = Image.fromarray(np.full((32, 32), 128, dtype=np.uint8), "L")
    rgba = Image.fromarray(np.full((32, 32, 4), 128, dtype=np.uint8), "RGBA")
    rgb = Image.fromarray(np.full((32, 32, 3), 128, dtype=np.uint8))
    assert np.array_equal(np.asarray(pipe(grey)), np.asarray(pipe(rgb)))
    assert np.array_equal(np.asarray(pipe(rgba)), np.asarray(pipe(rgb)))
    assert pipe(np.zeros((32, 32), dtype=np.uint8), output_type="pt").shape == (3, 32, 32)
    with pytest.raises(ZooError, match=r"image arrays are HWC, got shape \(3, 32, 32\): transpose it to \(32, 32, 3\)"):
        pipe(np.zeros((3, 32, 32), dtype=np.uint8))
    with pytest.raises(ZooError, match=r"float images must lie in \[0, 1\], got values in \[255, 255\]"):
        pipe(np.full((32, 32, 3), 255.0, dtype=np.float32))
    with pytest.raises(ZooError, match="no images given"):
        pipe([])
    with pytest.raises(ZooError, match="test_mode 'foo' is not one of eval, paper"):
        pipe.test_mode = "foo"
