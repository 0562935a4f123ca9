"""Import official SPADE files: ``latest_net_G.pth`` (with or without the VAE; old-style spectral
norm ``weight_orig``/``weight_u``/``weight_v``) and ``latest_net_E.pth``.

The weights tell the widths, the norms, 'most' upsampling (its extra block), the style code's size
and, with the VAE, the number of latent cells (``G.fc``: 16 x ngf outputs per cell). They do not
tell 'normal' from 'more' upsampling, the cells' layout or how the label channels split into
classes and instance edges: those are assumed (and said) unless ``--like`` or ``--set`` decide
them, and the crop size (or aspect ratio) that the latent grid then needs is computed."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import torch

from zoo.config import RunConfig
from zoo.convert import Conversion, Decided, read_torch_file, state_dict_of
from zoo.errors import CheckpointError, ZooError
from zoo.labelmaps import fit_labels
from zoo.registry import Registry

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
    generator, notes, cells = _generator_config(g, generators[0])
    if generator["use_vae"] and not encoders:
        raise CheckpointError(
            f"{generators[0]} was trained with the VAE (its fc layer takes a style code): pass its "
            f"latest_net_E.pth as well"
        )
    config: dict = {"G": generator}
    state = {f"G.{k}": v for k, v in modern_keys(g).items()}
    e_layers = None
    if encoders:
        e = states[encoders[0]]
        config["E"] = {"spectral": "layer1.0.weight_orig" in e}
        e_layers = sum(1 for k in e if re.fullmatch(r"layer\d+\.0\.weight(_orig)?", k))
        state |= {f"E.{k}": v for k, v in modern_keys(e).items()}
    semantic_nc = g["head_0.norm_0.mlp_shared.0.weight"].shape[1]
    config["data"] = {
        "name": "label-folder",
        "label_nc": semantic_nc - 1,
        "label_dir": "labels",
        "image_dir": "images",
        "instance_dir": "instances",
    }
    notes["model.instance_edges"] = (
        f"the SPADE layers take {semantic_nc} label channels = classes (+ don't care) (+ instance edges), "
        f"which the weights do not split: label maps with instance maps and no don't-care label are assumed "
        f"({semantic_nc - 1} classes + edges). Otherwise --set model.instance_edges=false or data.label_nc=N, "
        f"or the released models' data: --like spade-cityscapes / spade-ade20k / spade-coco-stuff"
    )

    def fit(config: RunConfig, decided: Decided, registry: Registry) -> dict[str, Any]:
        layer = fit_labels(config, decided, registry, semantic_nc, "G's SPADE layers")
        if cells is not None:
            layer["G"] = _fit_latent(config, decided, cells, e_layers)
        return layer

    return Conversion(config, state, license=LICENSE, notes=notes, fit=fit)


def _generator_config(g: dict[str, torch.Tensor], path: Path) -> tuple[dict, dict[str, str], int | None]:
    """G's options from its weights' shapes, notes on what the shapes leave open, and the number
    of latent cells of a VAE generator."""
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
    notes = {}
    if any(k.startswith("up_4.") for k in g):  # 'most' adds a block; 'normal' and 'more' differ in none
        config["num_upsampling_layers"] = "most"
    else:
        notes["G.num_upsampling_layers"] = (
            "'normal' and 'more' have weights of the same shapes, so 'normal' is assumed; the released "
            "Cityscapes model is 'more' (--like spade-cityscapes, or --set G.num_upsampling_layers=more)"
        )
    if not config["use_vae"]:
        return config, notes, None
    config["z_dim"] = g["fc.weight"].shape[1]
    cells, rest = divmod(g["fc.weight"].shape[0], 16 * ngf)
    if rest:
        raise CheckpointError(
            f"{path}: fc.weight has {g['fc.weight'].shape[0]} rows, not 16 x ngf ({16 * ngf}) per cell"
        )
    for aspect in (1, 2, 4):  # square if it can be, else 2:1 (Cityscapes), else 4:1
        if math.isqrt(cells * aspect) ** 2 == cells * aspect:
            config["aspect_ratio"] = float(aspect)
            sw = math.isqrt(cells * aspect)
            notes["G.aspect_ratio"] = (
                f"the VAE's fc layer holds {cells} latent cells, not their layout: {sw} wide x {sw // aspect} high "
                f"(aspect ratio {aspect}) is assumed, so the crop size is {sw} x 2**k for k upsamplings; "
                f"--set G.aspect_ratio or G.crop_size otherwise"
            )
            break
    return config, notes, cells


def _fit_latent(config: RunConfig, decided: Decided, cells: int, e_layers: int | None) -> dict[str, Any]:
    """The crop size or aspect ratio (whichever is left open) that gives the VAE's latent grid
    ``cells`` cells at the configured upsampling, checked against the encoder's depth."""
    g = config.nets["G"].options
    upsampling, crop, aspect = g["num_upsampling_layers"], g["crop_size"], g["aspect_ratio"]
    multiple = 2 ** UPSAMPLINGS[upsampling]
    where = f"the VAE's fc layer holds {cells} latent cells (16 x ngf rows each)"
    crop_given, aspect_given = decided("G.crop_size"), decided("G.aspect_ratio")
    fitted: dict[str, Any] = {}
    if crop_given:
        sw = crop // multiple
        if not sw or cells % sw or (aspect_given and round(sw / aspect) != cells // sw):
            grid = f"{sw} x {round(sw / aspect) if aspect_given else '?'}"
            raise ZooError(
                f"{crop_given[0]}: G.crop_size={crop} at {upsampling!r} upsampling makes the latent grid {sw} wide "
                f"({grid}), but {where}: give the crop size, aspect ratio and upsampling the model was trained with "
                f"(--like spade-cityscapes for the released Cityscapes model)"
            )
        fitted = {} if aspect_given else {"aspect_ratio": sw / (cells // sw)}
    else:
        widths = [sw for sw in range(1, cells + 1) if sw * round(sw / aspect) == cells]
        if not widths:
            raise ZooError(
                f"{where}, which no grid at G.aspect_ratio={aspect} gives: --set G.aspect_ratio (and G.crop_size)"
            )
        crop = widths[0] * multiple
        fitted = {"crop_size": crop}
    if e_layers is not None and (e_layers == 6) != (crop >= 256):
        raise ZooError(
            f"the encoder has {e_layers} stride-2 layers, which the official code builds for crops "
            f"{'of 256 or more' if e_layers == 6 else 'under 256'}, but G.crop_size comes out {crop} "
            f"({upsampling!r} upsampling): give the crop size and upsampling the model was trained with"
        )
    return fitted
