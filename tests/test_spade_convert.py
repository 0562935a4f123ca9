"""`zoo convert` for official SPADE files (old-style spectral norm), every key accounted for."""

from __future__ import annotations

import pytest
import torch
from helpers import state_from_reference
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.convert import convert


def settled(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Random official weights with spectral norm's u and v brought to the weights' top singular
    vectors, as training leaves them (random u and v would make sigma arbitrary, the net chaotic)."""
    for key in [k for k in state if k.endswith(".weight_orig")]:
        prefix, weight = key.removesuffix("weight_orig"), state[key].flatten(1)
        u, v = state[prefix + "weight_u"], state[prefix + "weight_v"]
        for _ in range(30):
            v = torch.nn.functional.normalize(weight.t() @ u, dim=0)
            u = torch.nn.functional.normalize(weight @ v, dim=0)
        state[prefix + "weight_u"], state[prefix + "weight_v"] = u, v
    return state


@pytest.mark.parametrize(
    ("reference", "like", "layers", "vae"),
    [
        ("keys_spade_cityscapes_more_novae.txt", "spade-cityscapes", "more", False),
        ("keys_spade_cityscapes_normal_novae.txt", None, "normal", False),
        ("keys_spade_cityscapes_normal_vae.txt", None, "normal", True),
    ],
)
def test_official_generators_convert_completely_and_survive_a_round_trip(tmp_path, reference, like, layers, vae):
    official = settled(state_from_reference(reference))
    files = [tmp_path / "latest_net_G.pth"]
    torch.save(official, files[0])
    overrides = ["G.crop_size=512", "G.aspect_ratio=2.0"] if vae else []
    if vae:
        torch.save(settled(state_from_reference("keys_spade_encoder.txt")), tmp_path / "latest_net_E.pth")
        files.append(tmp_path / "latest_net_E.pth")
    pipe, conversion = convert("spade", files, overrides, like=like)
    g = pipe.config.nets["G"].options
    assert (g["num_upsampling_layers"], g["use_vae"], g["semantic_nc"]) == (layers, vae, 36)
    assert len(conversion.state) == len(official) + (22 if vae else 0)  # nothing left over
    ours = pipe.nets["G"].state_dict()
    assert len(ours) == len(official)  # nothing missing
    assert torch.equal(ours["head_0.conv_0.parametrizations.weight.original"], official["head_0.conv_0.weight_orig"])
    assert torch.equal(ours["up_0.conv_s.parametrizations.weight.0._v"], official["up_0.conv_s.weight_v"])
    labels = torch.randint(0, 35, (256, 512))
    before = pipe(labels, seed=3, output_type="pt")
    assert before.shape == (3, 256, 512) and torch.isfinite(before).all()
    pipe.save_pretrained(tmp_path / "model")
    again = zoo.load(tmp_path / "model")
    assert torch.allclose(again(labels, seed=3, output_type="pt"), before, atol=1e-5)


def test_the_cli_says_what_the_weights_do_not_tell(tmp_path):
    torch.save(state_from_reference("keys_spade_cityscapes_normal_novae.txt"), tmp_path / "latest_net_G.pth")
    result = CliRunner().invoke(
        app, ["convert", str(tmp_path / "latest_net_G.pth"), "--arch", "spade", "--out", str(tmp_path / "model")]
    )
    assert result.exit_code == 0, result.output
    assert "note: G.num_upsampling_layers" in result.output and "--like spade-cityscapes" in result.output
    with pytest.raises(zoo.ZooError, match="spade-ade20k is a spade model, not pix2pix"):
        convert("pix2pix", [tmp_path / "latest_net_G.pth"], like="spade-ade20k")
