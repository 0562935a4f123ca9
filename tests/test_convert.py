"""`zoo convert`: official pix2pix/CycleGAN generators, every key accounted for."""

from __future__ import annotations

import pytest
import torch
from helpers import state_from_reference
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
