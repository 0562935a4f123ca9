"""Parity with the official code: ``zoo convert`` + ``zoo.load`` reproduce what the official
pix2pix, pix2pixHD, SPADE and SinGAN code computed for the tiny checkpoints in ``tests/data/parity``
(see its README and each case's ``case.json``: how each was made, and ``suggested_checks``, which
these tests follow). Tolerance atol=1e-5, rtol=0, as the README says; never loosen it to pass."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.plugins.datasets.single_image import DEFAULT as BALLOONS
from zoo.plugins.singan.networks import PyramidSampler

PARITY = Path(__file__).parent / "data" / "parity"
CASES = ["pix2pix_unet", "pix2pix_resnet", "pix2pixhd_global", "spade", "singan"]


def case(name: str) -> dict:
    return json.loads((PARITY / name / "case.json").read_text())


def tensor(name: str, file: str) -> torch.Tensor:
    return load_file(str(PARITY / name / f"{file}.safetensors"))[file]


def close(actual: torch.Tensor, expected: torch.Tensor) -> None:
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=0)


def converted(
    tmp_path: Path, name: str, arch: str, *options: str, files: tuple[Path, ...] = ()
) -> tuple[zoo.Pipeline, str]:
    """``zoo convert FILES --arch ARCH --out DIR [options]`` as the case suggests (FILES: the case's
    ``latest_net_G.pth`` unless given), then ``zoo.load(DIR, device='cpu')``; with what the command printed."""
    files = files or (PARITY / name / "latest_net_G.pth",)
    command = ["convert", *map(str, files), "--arch", arch, "--out", str(tmp_path / name)]
    result = CliRunner().invoke(app, [*command, *options])
    assert result.exit_code == 0, result.output
    return zoo.load(tmp_path / name, device="cpu"), " ".join(result.output.split())


@pytest.mark.parametrize("name", CASES)
def test_the_fixtures_are_the_recorded_ones(name):
    """Every file a case records is there, unchanged (sha256 as ``case.json`` has it)."""
    for file, record in case(name)["files"].items():
        assert hashlib.sha256((PARITY / name / file).read_bytes()).hexdigest() == record["sha256"], file


@pytest.mark.parametrize(
    ("name", "generator", "dropout_note"),
    [
        # unet_128, ngf 2, batch norm, dropout: dropout leaves no weights, so it is assumed, and said
        ("pix2pix_unet", {"name": "unet_128"}, True),
        # resnet_6blocks, ngf 4, instance norm, no dropout: the file tells, for the blocks' second
        # convolution sits at conv_block.5, where dropout would have moved it to 6
        ("pix2pix_resnet", {"name": "resnet", "n_blocks": 6}, False),
    ],
)
def test_pix2pix_generators_match_the_official_output(tmp_path, name, generator, dropout_note):
    pipe, printed = converted(tmp_path, name, "pix2pix")
    made, g = case(name)["constructor"], pipe.config.nets["G"]
    assert {"name": g.name, **g.options}.items() >= {
        **generator,
        "ngf": made["ngf"],
        "norm": made["norm"],
        "use_dropout": made["use_dropout"],
    }.items()
    assert ("note on G.use_dropout" in printed) == dropout_note
    with torch.no_grad():
        close(pipe.nets["G"](tensor(name, "input")), tensor(name, "output"))


def test_pix2pixhd_global_matches_the_official_output(tmp_path):
    name = "pix2pixhd_global"
    pipe, printed = converted(tmp_path, name, "pix2pixhd")
    # 6 labels + instance edges: the width split the weights cannot tell, assumed as officially, and said
    assert (pipe.config.model.label_nc, pipe.config.model.edges) == (6, True)
    assert "note on model.instance_edges" in printed
    label, instance = str(PARITY / name / "label.png"), str(PARITY / name / "instance.png")
    expected = tensor(name, "output")
    source = tensor(name, "input")
    assert torch.equal(pipe.prepare(*pipe.maps(label, instance)[:2]).condition, source)
    with torch.no_grad():
        close(pipe.nets["G"](source), expected)
    close(pipe(label, instance, output_type="pt") * 2 - 1, expected[0])


def test_spade_matches_the_official_output(tmp_path):
    name = "spade"
    pipe, _ = converted(tmp_path, name, "spade", "--set", "data.label_nc=6", "--set", "model.instance_edges=false")
    assert (pipe.config.model.label_nc, pipe.config.model.edges) == (6, False)
    label = str(PARITY / name / "label.png")
    expected = tensor(name, "output")
    source = tensor(name, "input")
    assert torch.equal(pipe.prepare(*pipe.maps(label, None)[:2]).condition, source)
    with torch.no_grad():
        close(pipe.nets["G"](source), expected)
    close(pipe(label, output_type="pt") * 2 - 1, expected[0])


# --- SinGAN: three scales of balloons, the official MATLAB-style resize between them ---------------
SINGAN_RUN = PARITY / "singan" / "TrainedModels" / "balloons" / "scale_factor=0.750000,alpha=10"


def rgb(path: Path) -> np.ndarray:
    """An image file's uint8 RGB levels (the official code reads with skimage: the same levels)."""
    return np.array(Image.open(path).convert("RGB"))  # a writable copy, as torch.from_numpy wants


@pytest.fixture(scope="module")
def singan(tmp_path_factory) -> zoo.Pipeline:
    files = (*(SINGAN_RUN / f"{i}" / "netG.pth" for i in range(3)), SINGAN_RUN / "0" / "z_opt.pth")
    options = ("--set", "G.image_size=[186,248]", "--set", "G.max_size=40", "--set", "G.min_size=20")
    files = (*files, SINGAN_RUN / "NoiseAmp.pth")
    return converted(tmp_path_factory.mktemp("singan"), "singan", "singan", *options, files=files)[0]


def test_singan_pyramid_is_the_official_one(singan):
    made, g = case("singan")["pyramid"], singan.nets["G"]
    assert [list(size) for size in g.sizes] == made["sizes_hw"]
    assert g.factor == pytest.approx(made["scale_factor"], abs=1e-15)
    close(g.noise_amps, torch.tensor(made["noise_amp"]))


def test_singan_reals_are_the_official_ones(singan):
    """The pyramid of reals from balloons.png, as each scale's ``real_scale.png`` records it
    (``uint8(255 * (x + 1) / 2)``, truncated): every level equal."""
    g = singan.nets["G"]
    image = rgb(BALLOONS)
    image = ((torch.from_numpy(image / 255).permute(2, 0, 1)[None].float()) - 0.5) * 2  # as np2torch reads it
    for scale in range(3):
        png = torch.from_numpy(rgb(SINGAN_RUN / f"{scale}" / "real_scale.png")).permute(2, 0, 1)
        levels = (255 * ((g.real(image, scale)[0] + 1) / 2).clamp(0, 1)).to(torch.uint8)
        assert torch.equal(levels, png), f"scale {scale}"


@pytest.mark.parametrize("record", ["reconstruction", "sample"])
def test_singan_each_scale_alone_matches(singan, record):
    """Each scale's generator on the official input of that scale (no resize involved)."""
    g, made = singan.nets["G"], load_file(str(PARITY / "singan" / f"{record}.safetensors"))
    noise = load_file(str(PARITY / "singan" / "noise.safetensors"))
    with torch.no_grad():
        for scale in range(3):
            prev = made[f"prev_{scale}"] if scale else torch.zeros_like(made["scale_0"])
            if record == "reconstruction":
                z = g.z_star if scale == 0 else torch.zeros_like(prev)
            else:
                z = noise[f"noise_{scale}"].expand_as(prev)
            close(g.step(scale, z, prev), made[f"scale_{scale}"])


@pytest.mark.parametrize("record", ["reconstruction", "sample"])
def test_singan_resize_between_scales_matches(singan, record):
    """Moving one scale's official output up to the next: the official prev_i."""
    g, made = singan.nets["G"], load_file(str(PARITY / "singan" / f"{record}.safetensors"))
    for scale in (1, 2):
        close(g.up(made[f"scale_{scale - 1}"], g.sizes[scale]), made[f"prev_{scale}"])


def test_singan_end_to_end_matches(singan):
    """Reconstruction from z*, a sample from the recorded noise, and ``pipe.sample(seed=3)``, which
    draws the same noise in the same order as the official ``SinGAN_generate``."""
    g = singan.nets["G"]
    noise = load_file(str(PARITY / "singan" / "noise.safetensors"))
    expected = load_file(str(PARITY / "singan" / "sample.safetensors"))["sample"]
    with torch.no_grad():
        close(g.reconstruct(), tensor("singan", "reconstruction"))
        noises = [noise[f"noise_{i}"].expand(1, 3, *g.sizes[i]) for i in range(3)]
        close(PyramidSampler(g)(*noises), expected)
    close(singan.sample(1, seed=3, output_type="pt")[0] * 2 - 1, expected[0])
