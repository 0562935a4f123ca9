"""`zoo convert` for official SPADE files (old-style spectral norm), every key accounted for."""

from __future__ import annotations

import pytest
import torch
from helpers import read_reference, state_from_reference
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
    if vae:
        torch.save(settled(state_from_reference("keys_spade_encoder.txt")), tmp_path / "latest_net_E.pth")
        files.append(tmp_path / "latest_net_E.pth")
    pipe, conversion = convert("spade", files, like=like)
    g = pipe.config.nets["G"].options
    assert (g["num_upsampling_layers"], g["use_vae"], g["semantic_nc"]) == (layers, vae, 36)
    if vae:  # 16 x 8 latent cells: 512 x 256 at 'normal'
        assert (g["crop_size"], g["aspect_ratio"], g["z_dim"]) == (512, 2.0, 256)
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
    assert again.provenance["license"] == "cc-by-nc-sa-4.0" and again.provenance.get("pretrained") == like
    assert torch.allclose(again(labels, seed=3, output_type="pt"), before, atol=1e-5)


def test_the_cli_says_what_the_weights_do_not_tell(tmp_path):
    torch.save(state_from_reference("keys_spade_cityscapes_normal_novae.txt"), tmp_path / "latest_net_G.pth")
    result = CliRunner().invoke(
        app, ["convert", str(tmp_path / "latest_net_G.pth"), "--arch", "spade", "--out", str(tmp_path / "model")]
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "note on G.num_upsampling_layers" in output and "--like spade-cityscapes" in output
    _, conversion = convert("spade", [tmp_path / "latest_net_G.pth"], like="spade-cityscapes")
    assert list(conversion.notes) == []  # --like decides both the upsampling and the data
    with pytest.raises(zoo.ZooError, match="spade-ade20k is a spade model, not pix2pix"):
        convert("pix2pix", [tmp_path / "latest_net_G.pth"], like="spade-ade20k")


OLD_SPECTRAL = {
    "weight_orig": "parametrizations.weight.original",
    "weight_u": "parametrizations.weight.0._u",
    "weight_v": "parametrizations.weight.0._v",
}
"""``torch.nn.utils.spectral_norm``'s keys (the official code's) and where
``torch.nn.utils.parametrizations.spectral_norm`` (zoo's) keeps the same tensors."""


def zoo_key(official: str) -> str:
    prefix, _, leaf = official.rpartition(".")
    return f"{prefix}.{OLD_SPECTRAL[leaf]}" if leaf in OLD_SPECTRAL else official


def recognisable(keys: dict[str, tuple[tuple[int, ...], str]], first: int = 1) -> dict[str, torch.Tensor]:
    """A state dict with these keys whose every tensor is filled with its own number (``first``,
    ``first + 1``, ...), so a value found under a zoo key names the official key it came from."""
    dtypes = {"float32": torch.float32, "int64": torch.int64}
    return {
        key: torch.full(shape, first + i, dtype=dtypes[dtype]) for i, (key, (shape, dtype)) in enumerate(keys.items())
    }


def plain_instance_5x5(keys: dict[str, tuple[tuple[int, ...], str]]) -> dict[str, tuple[tuple[int, ...], str]]:
    """The official key list as ``--norm_G spadeinstance5x5`` would have it: no spectral norm
    (``weight`` for ``weight_orig``, no ``u``/``v``), parameter-free instance norm (no running
    statistics), 5x5 convolutions in the SPADE layers' MLPs."""
    out = {}
    for key, (shape, dtype) in keys.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf in ("weight_u", "weight_v") or ".param_free_norm." in key:
            continue
        if ".mlp_" in key and leaf == "weight":
            shape = (*shape[:2], 5, 5)
        out[f"{prefix}.weight" if leaf == "weight_orig" else key] = (shape, dtype)
    return out


@pytest.mark.parametrize("variant", ["spectral syncbatch with the VAE", "plain instance 5x5"])
def test_every_official_value_lands_at_the_zoo_key_the_mapping_names(tmp_path, variant):
    """Each official tensor (G's and E's) must reach the zoo key it maps to, unchanged: old-style
    spectral norm's weight_orig/u/v at the parametrization's original/_u/_v, every other key as
    it is; and nothing else may fill a zoo key (a swapped or duplicated key would show)."""
    if variant == "plain instance 5x5":
        parts = {"G": plain_instance_5x5(read_reference("keys_spade_cityscapes_normal_novae.txt"))}
    else:
        parts = {
            "G": read_reference("keys_spade_cityscapes_normal_vae.txt"),
            "E": read_reference("keys_spade_encoder.txt"),
        }
    official, first = {}, 1
    for net, keys in parts.items():
        official[net] = recognisable(keys, first)
        first += len(keys)
        torch.save(official[net], tmp_path / f"latest_net_{net}.pth")
    pipe, _ = convert("spade", [tmp_path / f"latest_net_{net}.pth" for net in parts])
    g = pipe.config.nets["G"].options
    if variant == "plain instance 5x5":
        assert (g["spectral"], g["norm"], g["kernel_size"], g["use_vae"]) == (False, "instance", 5, False)
    else:
        assert (g["spectral"], g["norm"], g["kernel_size"], g["use_vae"]) == (True, "syncbatch", 3, True)
    ours = pipe.nets.state_dict()
    expected = {f"{net}.{zoo_key(key)}": value for net, state in official.items() for key, value in state.items()}
    assert sorted(ours) == sorted(expected)  # nothing missing, nothing extra
    for key, value in expected.items():
        assert ours[key].dtype == value.dtype and torch.equal(ours[key], value), (key, ours[key].flatten()[0])
    assert sorted(int(t.flatten()[0]) for t in ours.values()) == list(range(1, first))  # each value exactly once


def test_a_vae_generator_without_its_encoder_is_refused(tmp_path):
    torch.save(state_from_reference("keys_spade_cityscapes_normal_vae.txt"), tmp_path / "latest_net_G.pth")
    with pytest.raises(zoo.ZooError, match=r"latest_net_E\.pth as well"):
        convert("spade", [tmp_path / "latest_net_G.pth"])
