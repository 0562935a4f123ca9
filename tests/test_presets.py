"""The ``quick`` presets: a run of minutes on a CPU over the papers' recipes, which stay as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from helpers import QUIET

import zoo
from zoo.registry import get_registry

ARCHS = ("pix2pix", "pix2pixhd", "spade", "singan")
VGG_ARCHS = ("pix2pixhd", "spade")
VGG_ENV = "ZOO_VGG19_WEIGHTS"


def quick(arch: str):
    return get_registry().get("architecture", arch).obj.presets["quick"]


@pytest.mark.parametrize("arch", ARCHS)
def test_quick_preset_resolves(arch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VGG_ENV, raising=False)
    preset = quick(arch)
    assert "10 minutes on 2 CPU cores" in preset.summary
    layered = zoo.make_config(arch, config=preset.config())
    named = zoo.make_config(arch, preset="quick")
    assert named.to_dict() == layered.to_dict()
    paper = zoo.make_config(arch)
    assert named.to_dict() != paper.to_dict()
    assert "quick" in zoo.presets(arch)


@pytest.mark.parametrize("arch", VGG_ARCHS)
def test_quick_preset_keeps_vgg_only_with_weights(arch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert VGG_ENV in quick(arch).summary
    monkeypatch.delenv(VGG_ENV, raising=False)
    assert zoo.make_config(arch, preset="quick").loss["vgg"].weight == 0
    monkeypatch.setenv(VGG_ENV, "/weights/vgg19-dcbb9e9d.pth")
    assert zoo.make_config(arch, preset="quick").loss["vgg"].weight == 10


@pytest.mark.parametrize("arch", VGG_ARCHS)
def test_paper_recipe_keeps_vgg(arch: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VGG_ENV, raising=False)
    config = zoo.make_config(arch)
    assert config.loss["vgg"].weight == 10
    assert config.nets["G"].options["ngf"] == 64
    assert config.data.options["size"] == 256


def test_paper_recipes_unchanged() -> None:
    pix2pix = zoo.make_config("pix2pix")
    assert pix2pix.nets["G"].name == "unet_256" and pix2pix.nets["G"].options["ngf"] == 64
    assert (pix2pix.schedule.epochs, pix2pix.schedule.decay_epochs) == (100, 100)
    spade = zoo.make_config("spade")
    assert (spade.schedule.epochs, spade.nets["D"].options["n_layers"]) == (50, 4)
    singan = zoo.make_config("singan")
    assert singan.nets["G"].options["max_size"] == 250 and singan.schedule.iterations == 2000


@pytest.fixture
def one_thread():
    """One intra-op thread: on a busy machine two threads fight over the cores, many times slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize("arch", ARCHS)
def test_quick_preset_trains(arch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VGG_ENV, raising=False)
    steps = [*QUIET, "train.max_iterations=2", "train.num_samples=1"]  # the preset's own networks and data
    config = zoo.make_config(arch, preset="quick", overrides=steps)
    run = zoo.train(config, out=tmp_path / arch)
    assert sorted(p.name for p in (run / "samples").glob("step-*.png"))[-1] == "step-00000002.png"
