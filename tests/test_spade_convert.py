"""`zoo convert` for official SPADE files (old-style spectral norm), every key accounted for."""

from __future__ import annotations

import pytest
import torch
from helpers import random_state, read_reference, state_from_reference
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


Keys = dict[str, tuple[tuple[int, ...], str]]


def _narrowed(key: str, shape: tuple[int, ...], factor: int, semantic_nc: int) -> tuple[int, ...]:
    """One official G shape with every ngf-derived width divided by ``factor``: not SPADE's hidden
    width (128, fixed in the official normalization.py), the label channels or the image's three."""
    if ".mlp_shared.0.weight" in key:
        return (shape[0], semantic_nc, *shape[2:])
    if ".mlp_shared." in key or key == "conv_img.bias" or not shape:
        return shape
    if ".mlp_gamma." in key or ".mlp_beta." in key or key == "conv_img.weight":
        return (shape[0] // factor, *shape[1:]) if key != "conv_img.weight" else (3, shape[1] // factor, *shape[2:])
    return (shape[0] // factor, shape[1] // factor, *shape[2:]) if len(shape) == 4 else (shape[0] // factor,)


def generator_keys(ngf: int, semantic_nc: int, cells: int | None = None, z_dim: int = 16, most: bool = False) -> Keys:
    """The official G's keys at ``ngf`` (the reference lists are at 64) taking ``semantic_nc``
    label channels: with the VAE (``cells`` latent cells, a ``z_dim`` code), its fc a Linear of
    16 x ngf x cells outputs, else a 3x3 convolution; with ``most``, the extra block ``up_4``
    (ngf -> ngf / 2, shaped as ``up_3`` at half the width) before ``conv_img``."""
    reference = "keys_spade_cityscapes_normal_vae.txt" if cells else "keys_spade_cityscapes_normal_novae.txt"
    factor, keys = 64 // ngf, {}
    for key, (shape, dtype) in read_reference(reference).items():
        if key.startswith("fc."):
            shape = (16 * ngf * cells, z_dim)[: len(shape)] if cells else (16 * ngf, semantic_nc, 3, 3)[: len(shape)]
        else:
            shape = _narrowed(key, shape, factor, semantic_nc)
        keys[key] = (shape, dtype)
    if most:
        keys |= {
            f"up_4.{key[5:]}": (_narrowed(key, shape, 2, semantic_nc), dtype)
            for key, (shape, dtype) in keys.items()
            if key.startswith("up_3.")
        }
        keys["conv_img.weight"] = ((3, ngf // 2, 3, 3), "float32")
    return keys


def encoder_keys(ngf: int, z_dim: int = 16) -> Keys:
    """``keys_spade_encoder.txt`` (ngf 64, crops of 256 or more: six stride-2 layers) at ``ngf``
    with a ``z_dim`` code."""
    factor, keys = 64 // ngf, {}
    for key, (shape, dtype) in read_reference("keys_spade_encoder.txt").items():
        if key.startswith("fc_"):
            shape = (z_dim, shape[1] // factor) if len(shape) == 2 else (z_dim,)
        elif key.startswith("layer1."):  # three image channels in
            shape = (shape[0] // factor, *shape[1:]) if len(shape) == 4 or key.endswith("_u") else shape
        else:
            shape = (shape[0] // factor, shape[1] // factor, *shape[2:]) if len(shape) == 4 else (shape[0] // factor,)
        keys[key] = (shape, dtype)
    return keys


def random_official(tmp_path, g: Keys, e: Keys | None = None) -> list:
    """G (and E) with random values that differ per key, spectral norm settled, saved as the
    official code saves them."""
    files = [tmp_path / "latest_net_G.pth"]
    torch.save(settled(random_state(g)), files[0])
    if e is not None:
        files.append(tmp_path / "latest_net_E.pth")
        torch.save(settled(random_state(e, seed=1)), files[1])
    return files


def test_a_cityscapes_more_vae_model_imports_with_its_preset(tmp_path):
    """The released Cityscapes configuration, 512 x 256 with 'more' upsampling and the VAE: its fc
    layer holds 8 x 4 latent cells. ``--like spade-cityscapes`` gives the upsampling, crop and
    aspect ratio, which the converter's assumptions (they failed with a G.fc shape mismatch) must
    not outrank; without it they are assumed, said, and completed from the cells."""
    files = random_official(tmp_path, generator_keys(ngf=2, semantic_nc=36, cells=32), encoder_keys(ngf=2))
    pipe, conversion = convert("spade", files, like="spade-cityscapes")
    g = pipe.config.nets["G"].options
    assert (g["num_upsampling_layers"], g["crop_size"], g["aspect_ratio"], g["z_dim"]) == ("more", 512, 2.0, 16)
    assert (pipe.config.data.name, pipe.config.data.options["load_size"], conversion.notes) == ("cityscapes", 512, {})
    labels, instances = torch.randint(0, 35, (256, 512)), torch.randint(0, 4, (256, 512))
    out = pipe(labels, instances, style=torch.rand(3, 256, 512), output_type="pt")
    assert out.shape == (3, 256, 512) and torch.isfinite(out).all()

    pipe, conversion = convert("spade", files)  # 8 x 4 cells at 'normal': 256 x 128, as the notes say
    g = pipe.config.nets["G"].options
    assert (g["num_upsampling_layers"], g["crop_size"], g["aspect_ratio"]) == ("normal", 256, 2.0)
    assert sorted(conversion.notes) == ["G.aspect_ratio", "G.num_upsampling_layers", "model.instance_edges"]
    assert "holds 32 latent cells" in conversion.notes["G.aspect_ratio"]
    pipe, conversion = convert("spade", files, ["G.num_upsampling_layers=more"])
    assert (pipe.nets["G"].sw, pipe.nets["G"].sh, pipe.config.nets["G"].options["crop_size"]) == (8, 4, 512)
    pipe, conversion = convert("spade", files, ["G.num_upsampling_layers=more", "G.crop_size=256"])
    assert (pipe.nets["G"].sw, pipe.nets["G"].sh, pipe.config.nets["G"].options["aspect_ratio"]) == (4, 8, 0.5)
    assert "G.aspect_ratio" not in conversion.notes  # the crop size decided it


@pytest.mark.parametrize(
    ("settings", "like", "message"),
    [
        (
            [],
            "spade-ade20k",
            r"G's SPADE layers: 36 label channels in the official weights, but 151 classes = 151 "
            r"from --like spade-ade20k",
        ),
        (["G.crop_size=320"], None, r"--set: G\.crop_size=320 at 'normal' upsampling makes the latent grid 10 wide"),
        (["G.crop_size=128", "G.num_upsampling_layers=more"], None, r"the encoder has 6 stride-2 layers.* 128"),
        (["G.use_vae=false"], None, r"--set: G\.use_vae=False contradicts the official weights"),
    ],
)
def test_settings_that_contradict_the_weights_fail_naming_them(tmp_path, settings, like, message):
    files = random_official(tmp_path, generator_keys(ngf=2, semantic_nc=36, cells=32), encoder_keys(ngf=2))
    with pytest.raises(zoo.ZooError, match=message):
        convert("spade", files, settings, like=like)


def test_the_latent_size_follows_g_fc_and_the_upsampling_the_blocks(tmp_path):
    """'most' adds ``up_4``, so its keys tell it; the VAE's 2 x 2 cells make a 256 x 256 crop at
    'most' (7 upsamplings), square, and a preset that says 'more' contradicts the weights."""
    files = random_official(tmp_path, generator_keys(ngf=2, semantic_nc=6, cells=4, most=True), encoder_keys(ngf=2))
    pipe, conversion = convert("spade", files)
    g = pipe.config.nets["G"].options
    assert (g["num_upsampling_layers"], g["crop_size"], g["aspect_ratio"]) == ("most", 256, 1.0)
    assert sorted(conversion.notes) == ["G.aspect_ratio", "model.instance_edges"]
    labels = torch.randint(0, 5, (256, 256))
    out = pipe(labels, labels, seed=1, output_type="pt")
    assert out.shape == (3, 256, 256) and torch.isfinite(out).all()
    with pytest.raises(zoo.ZooError, match=r"G\.num_upsampling_layers='more' contradicts the official weights"):
        convert("spade", files, like="spade-cityscapes")


@pytest.mark.parametrize(
    ("settings", "label_nc", "edges"),
    [([], 35, True), (["model.instance_edges=false"], 36, False), (["data.label_nc=36"], 36, False)],
)
def test_the_label_channels_split_as_assumed_or_as_set(tmp_path, settings, label_nc, edges):
    files = random_official(tmp_path, generator_keys(ngf=2, semantic_nc=36))
    pipe, conversion = convert("spade", files, settings)
    assert (pipe.config.model.label_nc, pipe.config.model.edges) == (label_nc, edges)
    assert ("model.instance_edges" in conversion.notes) == (not settings)
    labels = torch.arange(64 * 64).reshape(64, 64) % label_nc  # every class
    assert pipe(labels, seed=0, output_type="pt").shape == (3, 64, 64)
