"""Import official SPADE files: ``latest_net_G.pth`` (with or without the VAE; old-style spectral
norm ``weight_orig``/``weight_u``/``weight_v``) and ``latest_net_E.pth``."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError

from .generator import UPSAMPLINGS
from .pretrained import LICENSE

SPECTRAL = {
    "weight_orig": "parametrizations.weight.original",
    "weight_u": "parametrizations.weight.0._u",
    "weight_v": "parametrizations.weight.0._v",
}


def modern_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``torch.nn.utils.spectral_norm`` keys as ``torch.nn.utils.parametrizations.spectral_norm``'s."""
    out = {}
    for key, value in state.items():
        prefix, _, leaf = key.rpartition(".")
        out[f"{prefix}.{SPECTRAL[leaf]}" if leaf in SPECTRAL else key] = value
    return out


def import_official(files: list[Path], allow_pickle: bool = False) -> Conversion:
    """G (required) and E, in any order; their configuration read off the shapes."""
    states = {f: state_dict_of(read_torch_file(f, allow_pickle), f) for f in files}
    generators = [f for f, s in states.items() if "conv_img.weight" in s]
    encoders = [f for f, s in states.items() if "fc_mu.weight" in s]
    if len(generators) != 1 or len(encoders) > 1 or len(files) != len(generators) + len(encoders):
        raise CheckpointError(
            "SPADE imports one generator (latest_net_G.pth) and at most one encoder (latest_net_E.pth); "
            f"got {', '.join(map(str, files))}"
        )
    g = states[generators[0]]
    generator, notes = _generator_config(g)
    if generator["use_vae"] and not encoders:
        raise CheckpointError(
            f"{generators[0]} was trained with the VAE (its fc layer takes a style code): pass its "
            f"latest_net_E.pth as well"
        )
    config: dict = {"G": generator}
    state = {f"G.{k}": v for k, v in modern_keys(g).items()}
    if encoders:
        e = states[encoders[0]]
        config["E"] = {"spectral": "layer1.0.weight_orig" in e}
        state |= {f"E.{k}": v for k, v in modern_keys(e).items()}
    config["data"] = {
        "name": "label-folder",
        "label_nc": g["head_0.norm_0.mlp_shared.0.weight"].shape[1] - 1,
        "label_dir": "labels",
        "image_dir": "images",
        "instance_dir": "instances",
    }
    notes["data"] = (
        "label maps with instance maps and no don't-care label are assumed (label_nc = semantic_nc - 1); "
        "the released ADE20K and COCO-Stuff models differ (--like spade-ade20k / spade-coco-stuff)"
    )
    return Conversion(config, state, license=LICENSE, notes=notes)


def _generator_config(g: dict[str, torch.Tensor]) -> tuple[dict, dict[str, str]]:
    """G's options from its weights' shapes, and notes on what the shapes leave open."""
    spectral = "head_0.conv_0.weight_orig" in g
    mlp = g["head_0.norm_0.mlp_shared.0.weight"]
    ngf = g[f"head_0.conv_0.{'weight_orig' if spectral else 'weight'}"].shape[0] // 16
    config = {
        "ngf": ngf,
        "use_vae": g["fc.weight"].ndim == 2,
        "spectral": spectral,
        "kernel_size": mlp.shape[-1],
        "norm": "syncbatch" if "head_0.norm_0.param_free_norm.running_mean" in g else "instance",
    }
    upsampling = "most" if any(k.startswith("up_4.") for k in g) else "normal"
    if upsampling == "most":
        config["num_upsampling_layers"] = "most"
    notes = {}
    if upsampling == "normal":
        notes["G.num_upsampling_layers"] = (
            "'normal' and 'more' have weights of the same shapes, so 'normal' is assumed; the released "
            "Cityscapes model is 'more' (--like spade-cityscapes, or --set G.num_upsampling_layers=more)"
        )
    if config["use_vae"]:
        config["z_dim"] = g["fc.weight"].shape[1]
        config.update(_vae_size(g["fc.weight"].shape[0] // (16 * ngf), UPSAMPLINGS[upsampling]))
        notes["G.crop_size"] = (
            f"the VAE's first layer fixes the number of latent cells, not the image size: crop {config['crop_size']} "
            f"at aspect ratio {config['aspect_ratio']} is assumed; --set G.crop_size and G.aspect_ratio otherwise"
        )
    return config, notes


def _vae_size(cells: int, upsamplings: int) -> dict[str, float]:
    """A crop size and aspect ratio giving ``cells`` latent cells: square if it can be, else 2:1."""
    for aspect in (1, 2, 4):
        side = math.isqrt(cells * aspect)
        if side * side == cells * aspect:
            return {"crop_size": side * 2**upsamplings, "aspect_ratio": float(aspect)}
    raise CheckpointError(f"the VAE generator has {cells} latent cells, which no square, 2:1 or 4:1 grid gives")
