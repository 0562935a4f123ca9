"""Import official SPADE files: ``latest_net_G.pth`` (with or without the VAE; old-style spectral
norm ``weight_orig``/``weight_u``/``weight_v``) and ``latest_net_E.pth``."""

from __future__ import annotations

from pathlib import Path

import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError

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
    vae = g["fc.weight"].ndim == 2
    semantic_nc = g["head_0.norm_0.mlp_shared.0.weight"].shape[1]
    generator = {
        "ngf": g["head_0.conv_0.weight_orig"].shape[0] // 16,
        "use_vae": vae,
        "spectral": "head_0.conv_0.weight_orig" in g,
    }
    if "up_4.conv_0.weight_orig" in g or "up_4.conv_0.weight" in g:
        generator["num_upsampling_layers"] = "most"
    notes = [
        "G.num_upsampling_layers: 'normal' and 'more' have weights of the same shapes, so 'normal' is assumed "
        "unless up_4 exists; the released Cityscapes model is 'more' (--like spade-cityscapes, or --set)",
        "data: label maps with instance maps and no don't-care label are assumed (label_nc = semantic_nc - 1); "
        "the released ADE20K and COCO-Stuff models differ (--like spade-ade20k / spade-coco-stuff)",
    ]
    config: dict = {"G": generator}
    state = {f"G.{k}": v for k, v in modern_keys(g).items()}
    if encoders:
        e = states[encoders[0]]
        config["E"] = {"spectral": "layer1.0.weight_orig" in e}
        state |= {f"E.{k}": v for k, v in modern_keys(e).items()}
    config["data"] = {
        "name": "label-folder",
        "label_nc": semantic_nc - 1,
        "label_dir": "labels",
        "image_dir": "images",
        "instance_dir": "instances",
    }
    return Conversion(config, state, notes=notes)
