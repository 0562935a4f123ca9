"""`zoo convert`: official pix2pix/CycleGAN generators, every key accounted for."""

from __future__ import annotations

import re

import pytest
import torch
from helpers import narrow, random_state, read_reference, state_from_reference
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.convert import convert
from zoo.errors import CheckpointError


@pytest.mark.parametrize(
    ("reference", "generator"),
    [("keys_pix2pix_unet256.txt", "unet_256"), ("keys_cyclegan_resnet9.txt", "resnet")],
)
def test_official_generators_convert_completely_and_run(tmp_path, reference, generator):
    official = state_from_reference(reference)
    path = tmp_path / "latest_net_G.pth"
    torch.save(official, path)
    pipe, conversion = convert("pix2pix", [path])
    assert pipe.config.nets["G"].name == generator
    assert conversion.ignored == []
    assert set(conversion.state) == {f"G.{k}" for k in official}  # nothing left over
    ours = pipe.nets["G"].state_dict()
    assert set(ours) == set(official)  # nothing missing
    assert all(torch.equal(ours[k], official[k]) for k in official)
    image = torch.rand(3, 256, 256)  # one image (a 4-D tensor is a batch)
    out = pipe(image, output_type="pt")
    assert out.shape == (3, 256, 256) and torch.isfinite(out).all()


def test_inferred_configuration(tmp_path):
    torch.save(state_from_reference("keys_cyclegan_resnet9.txt"), tmp_path / "g.pth")
    pipe, _ = convert("pix2pix", [tmp_path / "g.pth"])
    options = pipe.config.nets["G"].options
    assert (options["n_blocks"], options["norm"], options["ngf"], options["use_dropout"]) == (9, "instance", 64, False)


def test_module_prefix_and_old_instance_norm_statistics_are_handled(tmp_path):
    official = state_from_reference("keys_cyclegan_resnet9.txt")
    official = {f"module.{k}": v for k, v in official.items()}
    official["module.model.2.running_mean"] = torch.zeros(64)  # what PyTorch < 0.4 saved for InstanceNorm
    torch.save(official, tmp_path / "g.pth")
    _, conversion = convert("pix2pix", [tmp_path / "g.pth"])
    assert conversion.ignored == ["model.2.running_mean (InstanceNorm statistics of old PyTorch)"]


def test_a_missing_or_unexpected_key_fails_with_its_name(tmp_path):
    official = state_from_reference("keys_pix2pix_unet256.txt")
    del official["model.model.3.bias"]
    torch.save(official, tmp_path / "g.pth")
    with pytest.raises(CheckpointError, match=r"missing keys: G\.model\.model\.3\.bias"):
        convert("pix2pix", [tmp_path / "g.pth"])


def test_pickled_objects_are_not_executed_without_consent(tmp_path):
    path = tmp_path / "whole_model.pth"
    torch.save(zoo.create_model("unet", num_downs=5, ngf=2), path)  # a pickled module, not a state dict
    with pytest.raises(CheckpointError, match="--allow-pickle"):
        convert("pix2pix", [path])


def test_cli_convert_writes_a_loadable_model(tmp_path):
    torch.save(state_from_reference("keys_pix2pix_unet256.txt"), tmp_path / "latest_net_G.pth")
    out = tmp_path / "converted"
    result = CliRunner().invoke(
        app, ["convert", str(tmp_path / "latest_net_G.pth"), "--arch", "pix2pix", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "model.safetensors").is_file() and (out / "config.json").is_file()
    pipe = zoo.load(out, device="cpu")
    x = torch.rand(1, 3, 256, 256)
    direct, _ = convert("pix2pix", [tmp_path / "latest_net_G.pth"])
    assert torch.equal(pipe(x, output_type="pt"), direct(x, output_type="pt"))


def resnet_keys(norm: str, dropout: bool, padding: str = "reflect") -> dict[str, tuple[tuple[int, ...], str]]:
    """``keys_cyclegan_resnet9.txt`` (instance norm, no dropout, reflection padding) as the official
    ``define_G(3, 3, 4, 'resnet_9blocks', norm, use_dropout)`` lays it out. Each ResnetBlock is
    [pad, conv, norm, ReLU, (dropout), pad, conv, norm], without the pads for zero padding; batch
    norm (affine, with running statistics) follows every convolution but the last and takes its
    bias; instance norm has no parameters, and with ``none`` the convolutions have no bias either."""
    out = {}
    first = 0 if padding == "zero" else 1
    second = first + 3 + (padding != "zero") + dropout
    for key, (shape, dtype) in read_reference("keys_cyclegan_resnet9.txt").items():
        module, leaf = key.rsplit(".", 1)
        if m := re.fullmatch(r"(model\.\d+\.conv_block)\.([15])", module):
            module = f"{m[1]}.{first if m[2] == '1' else second}"
        if leaf == "bias" and module != "model.26" and norm != "instance":
            if norm == "batch":  # the norm after the convolution, one index on
                *parent, index = module.split(".")
                after = ".".join([*parent, str(int(index) + 1)])
                out |= {
                    f"{after}.{p}": (narrow(shape), dtype) for p in ("weight", "bias", "running_mean", "running_var")
                }
                out[f"{after}.num_batches_tracked"] = ((), "int64")
            continue
        out[f"{module}.{leaf}"] = (narrow(shape), dtype)
    return out


@pytest.mark.parametrize(
    ("norm", "dropout", "padding"),
    [
        ("batch", False, "reflect"),  # conv_block.6.weight is the second BatchNorm's (it failed to import)
        ("batch", True, "reflect"),  # conv_block.6.weight is the second convolution's, 7 its norm's
        ("instance", True, "reflect"),
        ("instance", False, "reflect"),  # no conv_block.6 at all
        ("none", False, "zero"),
    ],
)
def test_a_resnet_blocks_layout_tells_dropout_norm_and_padding(tmp_path, norm, dropout, padding):
    official = random_state(resnet_keys(norm, dropout, padding))
    torch.save(official, tmp_path / "latest_net_G.pth")
    pipe, conversion = convert("pix2pix", [tmp_path / "latest_net_G.pth"])
    g = pipe.config.nets["G"].options
    assert (g["norm"], g["use_dropout"], g["padding"], g["n_blocks"], g["ngf"]) == (norm, dropout, padding, 9, 4)
    assert conversion.notes == {}  # nothing was assumed
    net = pipe.nets["G"]
    ours = net.state_dict()
    assert set(ours) == set(official) and all(torch.equal(ours[k], official[k]) for k in official)
    assert sum(isinstance(m, torch.nn.Dropout) for m in net.modules()) == (9 if dropout else 0)
    x = torch.rand(1, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        out = net(x)
    assert out.shape == (1, 3, 32, 32) and torch.isfinite(out).all() and out.std() > 0


def test_a_unets_dropout_is_assumed_and_said_and_set_otherwise(tmp_path):
    """Dropout holds no weights and moves none in a U-Net: the file cannot tell ``--no_dropout``."""
    keys = {k: (narrow(shape), dtype) for k, (shape, dtype) in read_reference("keys_pix2pix_unet256.txt").items()}
    torch.save(random_state(keys), tmp_path / "latest_net_G.pth")
    pipe, conversion = convert("pix2pix", [tmp_path / "latest_net_G.pth"])
    assert pipe.config.nets["G"].options["use_dropout"] and list(conversion.notes) == ["G.use_dropout"]
    assert "--set G.use_dropout=false" in conversion.notes["G.use_dropout"]
    pipe, conversion = convert("pix2pix", [tmp_path / "latest_net_G.pth"], ["G.use_dropout=false"])
    assert not pipe.config.nets["G"].options["use_dropout"] and conversion.notes == {}
    assert not any(isinstance(m, torch.nn.Dropout) for m in pipe.nets["G"].modules())
    pipe.test_mode = "paper"  # batch statistics, no dropout: deterministic
    x = torch.rand(3, 256, 256)
    assert torch.equal(pipe(x, output_type="pt"), pipe(x, output_type="pt"))
    result = CliRunner().invoke(
        app, ["convert", str(tmp_path / "latest_net_G.pth"), "--arch", "pix2pix", "--out", str(tmp_path / "m")]
    )
    assert result.exit_code == 0 and "note on G.use_dropout" in result.output


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("G.use_dropout=true", "G.use_dropout=True contradicts the official weights, which have G.use_dropout=False"),
        ("G.ngf=64", "G.ngf=64 contradicts the official weights, which have G.ngf=4"),
        ("G.name=unet_256", "G.name='unet_256' contradicts the official weights, which have G.name='resnet'"),
    ],
)
def test_what_the_weights_tell_cannot_be_set_otherwise(tmp_path, setting, message):
    torch.save(random_state(resnet_keys("batch", False)), tmp_path / "latest_net_G.pth")
    with pytest.raises(zoo.ZooError, match=re.escape(f"--set: {message}")):
        convert("pix2pix", [tmp_path / "latest_net_G.pth"], [setting])
