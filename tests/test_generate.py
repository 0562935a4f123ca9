"""``zoo generate``: never overwrites an input, never writes two inputs to one name, checks every
input before writing anything, names the file in every error, and sends SinGAN to its commands."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import HD_TINY, QUIET, write_image
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.cli import app, main
from zoo.cli.generate import output_names
from zoo.errors import ZooError


def _random_model(folder: Path, arch: str, overrides: list[str]) -> Path:
    """An untrained pipeline of ``arch`` saved as a model folder (fast: no training)."""
    config = zoo.make_config(arch, overrides=overrides)
    registry = zoo.get_registry()
    architecture = registry.get("architecture", arch).obj
    torch.manual_seed(0)
    nets = architecture.build_nets(config, registry, architecture.inference_networks(config))
    architecture.pipeline(config, nets, device="cpu").save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    """pix2pix (a U-Net of 5 levels: sides multiples of 32), pix2pixHD (multiples of 4) and SinGAN."""
    root = tmp_path_factory.mktemp("models")
    write_image(root / "singan.png", 40, 30)
    return {
        "pix2pix": _random_model(root / "pix2pix", "pix2pix", ["G.name=unet", "G.num_downs=5", "G.ngf=4"]),
        "pix2pixhd": _random_model(root / "pix2pixhd", "pix2pixhd", HD_TINY),
        "singan": _random_model(
            root / "singan", "singan", [f"data.path={root / 'singan.png'}", "G.nfc=8", "G.min_nfc=8", *QUIET]
        ),
    }


def generate(model: Path, input: Path, output: Path, *extra: str):
    args = ["generate", "--model", str(model), "--input", str(input), "--output", str(output), *extra]
    return CliRunner().invoke(app, args)


def refused(result) -> str:
    """The message of the ZooError a command stopped with (not a traceback, not success)."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, ZooError), repr(result.exception)
    return str(result.exception)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


def test_the_input_folder_is_refused_as_output_and_left_as_it_was(models, tmp_path):
    folder = tmp_path / "in"
    write_image(folder / "a.png", 32, 32, seed=1)
    write_image(folder / "b.jpg", 32, 32, seed=2)
    before = snapshot(folder)
    for output in (folder, tmp_path / "in" / ".." / "in"):
        assert "is the input folder" in refused(generate(models["pix2pix"], folder, output))
        assert snapshot(folder) == before


def test_an_output_that_would_replace_the_input_file_is_refused(models, tmp_path):
    image = write_image(tmp_path / "a.png", 32, 32)
    before = image.read_bytes()
    message = refused(generate(models["pix2pix"], image, tmp_path))
    assert f"would overwrite the input {image}" in message
    assert image.read_bytes() == before


def test_inputs_sharing_a_stem_keep_their_extension_and_the_command_says_so(models, tmp_path):
    write_image(tmp_path / "in" / "x.png", 32, 32, seed=1)
    write_image(tmp_path / "in" / "x.jpg", 32, 32, seed=2)
    write_image(tmp_path / "in" / "y.jpg", 32, 32, seed=3)
    result = generate(models["pix2pix"], tmp_path / "in", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x.jpg.png", "x.png.png", "y.png"]
    assert "x.jpg -> x.jpg.png, x.png -> x.png.png" in result.output
    assert "wrote 3 image(s)" in result.output
    pipe = zoo.load(models["pix2pix"], device="cpu")
    for name in ("x.png", "x.jpg"):
        expected = np.asarray(pipe(tmp_path / "in" / name))
        assert np.array_equal(np.asarray(Image.open(tmp_path / "out" / f"{name}.png")), expected)


def test_output_names_are_unique_even_where_an_extended_name_is_taken_or_case_differs():
    names = output_names([Path("x.jpg"), Path("x.png"), Path("x.jpg.png"), Path("Y.png"), Path("y.bmp")])
    assert names == {
        Path("x.jpg"): "x.jpg_1.png",
        Path("x.png"): "x.png.png",
        Path("x.jpg.png"): "x.jpg.png",
        Path("Y.png"): "Y.png.png",
        Path("y.bmp"): "y.bmp.png",
    }


@pytest.mark.parametrize("bad", ["size", "undecodable"])
def test_a_bad_file_fails_by_name_before_anything_is_written(models, tmp_path, bad):
    folder = tmp_path / "in"
    write_image(folder / "a.png", 32, 32, seed=1)  # sorted first: today it is written before b fails
    if bad == "size":
        write_image(folder / "b.png", 40, 32, seed=2)
    else:
        (folder / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    write_image(folder / "c.png", 32, 32, seed=3)
    message = refused(generate(models["pix2pix"], folder, tmp_path / "out"))
    assert str(folder / "b.png") in message
    if bad == "size":
        assert "40x32 pixels" in message and "multiples of 32" in message and "resize or crop" in message
    assert snapshot(tmp_path / "out") == {}


def _label_map(path: Path, width: int, height: int, bits: int = 8) -> Path:
    ids = np.random.default_rng(0).integers(0, 6, (height, width))  # HD_TINY's synthetic scenes: 6 classes
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(ids.astype(np.uint8 if bits == 8 else np.uint16)).save(path)
    return path


@pytest.mark.parametrize("bad", ["instance size", "label size"])
def test_label_maps_are_checked_with_their_instance_maps_before_anything_is_written(models, tmp_path, bad):
    for name in ("a", "b"):
        width = 18 if bad == "label size" and name == "b" else 16
        _label_map(tmp_path / "labels" / f"{name}.png", width, 16)
        _label_map(tmp_path / "inst" / f"{name}.png", width, 12 if bad == "instance size" and name == "b" else 16, 16)
    message = refused(
        generate(models["pix2pixhd"], tmp_path / "labels", tmp_path / "out", "--instance", str(tmp_path / "inst"))
    )
    assert str(tmp_path / "labels" / "b.png") in message
    if bad == "instance size":
        assert str(tmp_path / "inst" / "b.png") in message and "do not match" in message
    else:
        assert "18x16 pixels" in message and "multiples of 4" in message
    assert snapshot(tmp_path / "out") == {}


def test_label_maps_with_their_instance_maps_still_generate(models, tmp_path):
    for name in ("a", "b"):
        _label_map(tmp_path / "labels" / f"{name}.png", 16, 16)
        _label_map(tmp_path / "inst" / f"{name}.png", 16, 16, 16)
    result = generate(models["pix2pixhd"], tmp_path / "labels", tmp_path / "out", "--instance", str(tmp_path / "inst"))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.png", "b.png"]
    assert Image.open(tmp_path / "out" / "a.png").size == (16, 16)


def test_an_error_while_generating_names_the_file(models, tmp_path, monkeypatch):
    from zoo.plugins.pix2pix.pipeline import Pix2PixPipeline

    def fail(self, x):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(Pix2PixPipeline, "generate", fail)
    image = write_image(tmp_path / "in" / "a.png", 32, 32)
    message = refused(generate(models["pix2pix"], tmp_path / "in", tmp_path / "out"))
    assert message == f"{image}: RuntimeError: out of memory"
    assert not any(p.name.endswith(".tmp") for p in (tmp_path / "out").iterdir())


def test_a_singan_model_is_sent_to_zoo_singan_in_one_line(models, tmp_path, monkeypatch, capsys):
    image = write_image(tmp_path / "in.png", 40, 30)
    args = ["zoo", "generate", "-m", str(models["singan"]), "-i", str(image), "-o", str(tmp_path / "out")]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as exit:
        main()
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "TypeError" not in err
    assert "`zoo singan --help` lists the commands that make its images" in " ".join(err.split())
    assert not (tmp_path / "out").exists()
