"""SinGAN: the official pyramid and networks, training scale by scale, resuming inside a scale,
sampling at any size and the applications."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from helpers import QUIET, read_reference, write_image
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.plugins.datasets.single_image import DEFAULT
from zoo.plugins.singan.architecture import SinGAN
from zoo.plugins.singan.networks import ScaleNet, SinGANGenerator
from zoo.plugins.singan.pyramid import channels, pyramid
from zoo.trainer.monitor import read_metrics

ITERATIONS = 40


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """SinGAN's balloons at 40 x 30: three scales (25 x 34, 28 x 37, 30 x 40)."""
    path = tmp_path_factory.mktemp("singan") / "tiny.png"
    Image.open(DEFAULT).convert("RGB").resize((40, 30), Image.Resampling.BICUBIC).save(path)
    return path


def tiny(image, *extra: str) -> list[str]:
    return [
        f"data.path={image}",
        f"schedule.iterations={ITERATIONS}",
        f"schedule.decay_at={ITERATIONS * 4 // 5}",
        "G.nfc=8",
        "G.min_nfc=8",
        *QUIET,
        *extra,
    ]


@pytest.fixture(scope="module")
def run(image, tmp_path_factory):
    return zoo.train(zoo.make_config("singan", overrides=tiny(image)), out=tmp_path_factory.mktemp("run"))


@pytest.mark.parametrize(
    ("size", "count", "coarsest", "finest", "factor"),
    [
        ((186, 248), 9, (25, 34), (186, 248), 0.7781),  # balloons.png, as the reference lists it
        ((1000, 1500), 8, (25, 38), (167, 250), 0.7624),  # shrunk to 250 on the long side first
        ((400, 300), 9, (34, 25), (250, 188), 0.7771),
        ((30, 40), 3, (25, 34), (30, 40), 0.9129),
    ],
)
def test_the_scales_follow_the_official_formula(size, count, coarsest, finest, factor):
    sizes, f = pyramid(*size)
    assert (len(sizes), sizes[0], sizes[-1], round(f, 4)) == (count, coarsest, finest, factor)
    if size == (186, 248):
        assert sizes == [
            (25, 34),
            (33, 43),
            (42, 56),
            (54, 71),
            (69, 91),
            (88, 117),
            (113, 151),
            (145, 193),
            (186, 248),
        ]


@pytest.mark.parametrize(
    ("reference", "nfc", "critic"),
    [("G_nfc32", 32, False), ("G_nfc64", 64, False), ("G_nfc128", 128, False), ("D_nfc32", 32, True)],
)
def test_the_per_scale_networks_have_the_official_keys_and_shapes(reference, nfc, critic):
    ours = ScaleNet(nfc, nfc, critic=critic).state_dict()
    assert {k: tuple(v.shape) for k, v in ours.items()} == {
        k: shape for k, (shape, _) in read_reference(f"keys_singan_{reference}.txt").items()
    }
    assert [channels(s) for s in range(13)] == [32] * 4 + [64] * 4 + [128] * 5


def test_the_generator_adds_its_residual_to_the_centre_of_the_padded_image():
    g = SinGANGenerator((30, 40), nfc=8, min_nfc=8)
    prev = torch.rand(1, 3, 25, 34)
    out = g.step(0, torch.zeros_like(prev), prev)
    assert out.shape == prev.shape  # 5 px of zero padding outside the network, five 3x3 convolutions inside
    residual = g.scales[0].tail(g.scales[0].body(g.scales[0].head(torch.nn.functional.pad(prev, (5,) * 4))))
    assert torch.allclose(out, residual + prev, atol=1e-6)


def test_images_change_scale_as_officially_unless_torch_is_asked():
    from zoo.errors import ConfigError
    from zoo.plugins.singan.imresize import singan_imresize

    i, j = torch.meshgrid(torch.arange(25.0), torch.arange(34.0), indexing="ij")
    image = torch.stack([torch.sin(i / 4 + k) * torch.cos(j / 5) * 0.8 for k in range(3)])[None]  # smooth
    matlab = SinGANGenerator((30, 40), nfc=8, min_nfc=8)
    fast = SinGANGenerator((30, 40), nfc=8, min_nfc=8, resize="torch")
    official = singan_imresize(image, 1 / matlab.factor)[..., :28, :37]  # imresize(x, 1 / factor), then the crop
    assert torch.equal(matlab.up(image, (28, 37)), official)
    grown = (math.ceil(25 / fast.factor), math.ceil(34 / fast.factor))
    quick = torch.nn.functional.interpolate(image, size=grown, mode="bicubic", antialias=True)[..., :28, :37]
    assert torch.equal(fast.up(image, (28, 37)), quick)
    assert 0 < (quick - official).abs().mean() < 0.05  # close (truncation drift, borders), not the same
    with pytest.raises(ConfigError, match=r"G.resize='cubic': choose matlab .* or torch"):
        SinGANGenerator((30, 40), nfc=8, min_nfc=8, resize="cubic")


def test_the_recipe_has_the_official_defaults():
    cfg = zoo.make_config("singan")
    assert cfg.data.name == "single-image" and cfg.nets["G"].options["image_size"] == (186, 248)
    assert cfg.nets["D"].options["num_scales"] == 9
    assert (cfg.loss["gan"].options["mode"], cfg.loss["gp"].weight, cfg.loss["rec"].weight) == ("wgan", 0.1, 10.0)
    assert (cfg.optim["G"].options["lr"], cfg.optim["D"].options["betas"]) == (5e-4, (0.5, 0.999))
    model = SinGAN(cfg, zoo.get_registry())
    phases = model.phases(None)
    assert len(phases) == 9 and phases[3].name == "scale 3" and phases[3].steps == (("D", 3), ("G", 3))
    schedule = zoo.get_registry().create("lr_schedule", phases[0].schedule.name, **phases[0].schedule.options)
    assert (phases[0].length, schedule(1599), schedule(1600)) == (2000, 1.0, 0.1)


def test_a_new_scale_starts_from_the_one_below_and_measures_its_noise(image):
    cfg = zoo.make_config("singan", overrides=tiny(image))
    model = SinGAN(cfg, zoo.get_registry())
    dataset = zoo.get_registry().create("dataset", "single-image", path=str(image))
    phases = model.phases(dataset)
    for phase in phases[:2]:
        model.build_phase(phase)
        model.start_phase(phase, dataset)
    g = model.nets["G"]
    assert torch.equal(g.scales[1].head.conv.weight, g.scales[0].head.conv.weight)  # same width: carried over
    assert g.z_star.shape == (1, 3, 25, 34) and torch.equal(g.z_star[:, 0], g.z_star[:, 2])  # one channel, broadcast
    real = model.prepare_batch({"target": dataset[0]["target"][None]})["real"]
    below = g.up(g.reconstruct(0), g.sizes[1])
    assert g.noise_amps[1].item() == pytest.approx(0.1 * torch.sqrt(((real - below) ** 2).mean()).item(), rel=1e-5)
    assert not g.scales[0].training and g.scales[1].training  # the frozen scale uses its statistics


def test_training_lowers_the_reconstruction_error_at_every_scale(run):
    metrics = read_metrics(run)
    assert len(metrics) == 3 * ITERATIONS and metrics[-1]["phase"] == "scale 2"
    for scale in range(3):
        rec = [m["losses"]["G/rec"] for m in metrics if m["phase"] == f"scale {scale}"]
        # a finer scale starts from the coarser one's output, so it has less to gain in 40 iterations
        # (measured: 0.22, 0.35 and 0.78 of the first error at scales 0, 1, 2)
        assert np.mean(rec[-5:]) < (0.5 if scale == 0 else 0.9) * np.mean(rec[:5])
    assert set(metrics[0]["losses"]) == {"G/gan", "G/rec", "D/gan", "D/gp"}


def test_the_saved_model_holds_every_scale_the_noise_and_the_size(run, tmp_path):
    zoo.load(run).save_pretrained(tmp_path / "model")
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == [
        "README.md",
        "config.json",
        "model.safetensors",
        "provenance.json",  # how far the training got, for the card
    ]
    assert json.loads((tmp_path / "model" / "config.json").read_text())["G"]["image_size"] == [30, 40]
    pipe = zoo.load(tmp_path / "model")
    g = pipe.nets["G"]
    assert len(g) == 3 and g.noise_amps[0] == 1 and 0 < g.noise_amps[1] < 1 and g.z_star.abs().sum() > 0
    rec = pipe.reconstruct(output_type="pt")
    assert torch.equal(rec, zoo.load(run).reconstruct(output_type="pt"))  # z* is fixed: no randomness


def test_the_reconstruction_comes_close_to_the_training_image(run, image):
    rec = zoo.load(run).reconstruct(output_type="pt")
    original = torch.from_numpy(np.asarray(Image.open(image), np.float32) / 255).permute(2, 0, 1)
    assert ((rec - original) ** 2).mean() < 0.25 * ((original - original.mean()) ** 2).mean()


def test_samples_of_any_size_differ_and_repeat_with_a_seed(run):
    pipe = zoo.load(run)
    wide = pipe.sample(2, scale_w=1.5, seed=1, output_type="pt")
    assert wide.shape == (2, 3, 30, 60)
    assert (wide[0] - wide[1]).abs().mean() > 1e-3
    assert torch.equal(wide, pipe.sample(2, scale_w=1.5, seed=1, output_type="pt"))
    assert pipe.sample(1, scale_h=0.8, scale_w=2.0, output_type="pt").shape == (1, 3, 24, 80)
    kept = pipe.sample(2, start_scale=2, seed=3, output_type="pt")
    assert (kept[0] - kept[1]).abs().mean() < (wide[0, :, :, :40] - wide[1, :, :, :40]).abs().mean()
    with pytest.raises(zoo.ZooError, match="start_scale=3"):
        pipe.sample(1, start_scale=3)


def test_each_application_returns_an_image_of_the_right_size(run, image, tmp_path):
    pipe = zoo.load(run)
    mask = np.zeros((30, 40), np.uint8)
    mask[:2, :2] = 255  # dilated by 20 px and blurred: the far corner stays as it was
    Image.fromarray(mask).save(tmp_path / "mask.png")
    original = torch.from_numpy(np.asarray(Image.open(image), np.float32) / 255).permute(2, 0, 1)
    assert pipe.reconstruct().size == (40, 30)
    assert pipe.super_resolve(factor=2.0, seed=0).size == (80, 60)
    small = Image.open(image).resize((50, 20))
    assert pipe.super_resolve(small, factor=2.0, seed=0).size == (100, 40)  # its own size and aspect ratio
    assert pipe.paint_to_image(image, inject_scale=1, seed=0).size == (40, 30)
    for apply in (pipe.edit, pipe.harmonize):
        edited = apply(image, tmp_path / "mask.png", inject_scale=1, seed=0, output_type="pt")
        assert edited.shape == (3, 30, 40)
        assert torch.allclose(edited[:, -1, -1], original[:, -1, -1], atol=0.02)  # far from the mask: the image
        assert (edited[:, 0, 0] - original[:, 0, 0]).abs().max() > 1e-3  # under it: resynthesized
    everything = np.full((30, 40), 255, np.uint8)
    Image.fromarray(everything).save(tmp_path / "all.png")
    whole = pipe.edit(image, tmp_path / "all.png", inject_scale=1, seed=0, output_type="pt")
    assert (whole - original).abs().mean() > 1e-3
    frames = pipe.animate(frames=4, start_scale=1, seed=0)
    assert len(frames) == 4 and frames[0].size == (40, 30)
    with pytest.raises(zoo.ZooError, match="inject_scale=0"):
        pipe.paint_to_image(image, inject_scale=0)


def test_the_cli_writes_samples_and_a_gif(run, image, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app, ["singan", "sample", "-m", str(run), "-o", str(tmp_path / "s"), "-n", "2", "--scale-w", "1.5"]
    )
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "s" / "sample_1.png").size == (60, 30)
    result = runner.invoke(app, ["singan", "animate", "-m", str(run), "-o", str(tmp_path / "a.gif"), "--frames", "3"])
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "a.gif").n_frames == 3
    result = runner.invoke(
        app, ["singan", "paint", "-m", str(run), "--paint", str(image), "-o", str(tmp_path / "p.png"), "--scale", "1"]
    )
    assert result.exit_code == 0 and Image.open(tmp_path / "p.png").size == (40, 30)


def test_resuming_inside_a_scale_continues_where_it_stopped(image, tmp_path):
    short = tiny(image, "schedule.iterations=6", "schedule.decay_at=4", "train.checkpoint_every=3")
    whole = zoo.train(zoo.make_config("singan", overrides=short), out=tmp_path / "whole")
    zoo.train(zoo.make_config("singan", overrides=[*short, "train.max_iterations=9"]), out=tmp_path / "parts")
    assert read_metrics(tmp_path / "parts")[-1] | {"losses": None, "lr": None} == {
        "step": 9,
        "phase": "scale 1",
        "epoch": 8,
        "losses": None,
        "lr": None,
    }
    early = zoo.load(tmp_path / "parts")  # stopped in scale 1: the untrained scale 2 stays out
    assert len(early.nets["G"]) == 2 and early.sample(1, output_type="pt").shape == (1, 3, 28, 37)
    resumed = zoo.train(
        zoo.make_config("singan", overrides=[*short, "train.max_iterations=null"]), resume=tmp_path / "parts"
    )
    assert [m["step"] for m in read_metrics(resumed)] == list(range(1, 19))
    a, b = zoo.load(whole).nets["G"].state_dict(), zoo.load(resumed).nets["G"].state_dict()
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-5) for k in a)


def test_the_single_image_data_set_takes_rgba_and_grey_and_says_so(tmp_path, capfd):
    rgba = write_image(tmp_path / "a.png", 40, 30, mode="RGBA")
    grey = write_image(tmp_path / "g.png", 40, 30, mode="L")
    for path, said in ((rgba, "alpha channel is dropped"), (grey, "greyscale image, expanded to RGB")):
        item = zoo.get_registry().create("dataset", "single-image", path=str(path))[0]["target"]
        assert item.shape == (3, 30, 40) and item.min() >= -1 and item.max() <= 1
        assert said in capfd.readouterr().err
    with pytest.raises(zoo.DataError, match=r"nothere\.png: no such image"):
        zoo.get_registry().create("dataset", "single-image", path=str(tmp_path / "nothere.png"))
    with pytest.raises(zoo.ConfigError, match=r"smaller than G\.min_size=25"):
        SinGANGenerator((20, 40))
    with pytest.raises(zoo.ConfigError, match=r"1200x100 image is 250x21 at G\.max_size=250"):
        SinGANGenerator((100, 1200))


@pytest.mark.parametrize(("batched", "draws"), [("false", 6), ("true", 1)])
def test_the_frozen_scales_are_drawn_a_step_or_once_an_iteration_when_batched(batched, draws, tmp_path, monkeypatch):
    from PIL import Image

    from zoo.plugins.datasets.single_image import DEFAULT
    from zoo.plugins.singan.architecture import SinGAN

    Image.open(DEFAULT).convert("RGB").resize((40, 30)).save(tmp_path / "tiny.png")
    counts: list[int] = []
    original = SinGAN.random_below
    monkeypatch.setattr(
        SinGAN,
        "random_below",
        lambda self, scale, count: (self.training and counts.append(count)) or original(self, scale, count),
    )
    overrides = [f"data.path={tmp_path / 'tiny.png'}", "schedule.iterations=2", "schedule.decay_at=2", "G.nfc=8",
                 "G.min_nfc=8", f"model.batched_pyramid={batched}", "train.progress=false", "train.tensorboard=false",
                 "train.sample_every=1000", "train.checkpoint_every=1000"]  # fmt: skip
    zoo.train(zoo.make_config("singan", overrides=overrides), out=tmp_path / "run")
    scales = len(zoo.load(tmp_path / "run").nets["G"])
    assert len(counts) == (scales - 1) * 2 * draws  # training above the coarsest scale: 2 iterations of 6 steps
    assert sum(counts) == (scales - 1) * 2 * 6  # one sample a step either way
