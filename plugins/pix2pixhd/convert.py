"""Import official pix2pixHD files: ``latest_net_G.pth`` (global or local), ``latest_net_E.pth``
and ``features_clustered_010.npy``.

Network keys map one to one; the configuration (widths, depths, enhancers, normalization) is read
off the shapes. G's first layer takes label classes + instance edges (+ E's features), which the
weights do not split: the official default (instance maps) is assumed unless ``--set`` or
``--like`` say otherwise, and the one the weights then leave open is computed. The cluster file is
a pickled dict, so it is read only with --allow-pickle.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import torch

from zoo.config import RunConfig
from zoo.convert import Conversion, Decided, read_torch_file, state_dict_of
from zoo.errors import CheckpointError
from zoo.labelmaps import fit_labels
from zoo.registry import Registry


def import_official(files: list[Path], allow_pickle: bool = False) -> Conversion:
    """Any of G (required), E and the cluster file, in any order."""
    clusters = [f for f in files if f.suffix == ".npy"]
    states = {f: state_dict_of(read_torch_file(f, allow_pickle), f) for f in files if f.suffix != ".npy"}
    generators = [f for f, s in states.items() if any(".conv_block." in k for k in s)]
    encoders = [f for f, s in states.items() if f not in generators]
    if len(generators) != 1 or len(encoders) > 1 or len(clusters) > 1:
        raise CheckpointError(
            "pix2pixHD imports one generator (latest_net_G.pth), and at most one encoder (latest_net_E.pth) "
            f"and one cluster file (features_clustered_010.npy); got {', '.join(map(str, files))}"
        )
    if clusters and not encoders:
        raise CheckpointError(f"{clusters[0]}: cluster centres need the encoder (latest_net_E.pth) beside them")
    g_state = states[generators[0]]
    generator = _generator_config(g_state)
    width = generator.pop("input_nc")
    config: dict = {"G": generator, "model": {"instance_edges": True, "instance_features": bool(encoders)}}
    state = {f"G.{k}": v for k, v in g_state.items()}
    features, centres = 0, {}
    if encoders:
        e_state = states[encoders[0]]
        config["E"] = _encoder_config(e_state)
        features = config["E"]["feat_num"]
        state |= {f"E.{k}": v for k, v in e_state.items()}
        centres = _read_clusters(clusters[0], features, allow_pickle) if clusters else {}
    label_nc = width - features - 1  # the official default: one channel of instance edges
    config["data"] = {"name": "cityscapes", "label_nc": label_nc}
    if encoders:
        state |= _centres(centres, label_nc, features, clusters[0] if clusters else None)
    split = f"{label_nc + 1} = classes + instance edges" + (f" + {features} features" if features else "")
    notes = {
        "model.instance_edges": (
            f"G's first layer takes {split}, and which channel is which the weights do not tell: the official "
            f"default, instance maps, is assumed ({label_nc} classes + edges). For a --no_instance model --set "
            f"model.instance_edges=false ({label_nc + 1} classes), or give the classes: --set data.label_nc=N"
        )
    }
    conversion = Conversion(config, state, notes=notes)

    def fit(config: RunConfig, decided: Decided, registry: Registry) -> dict[str, Any]:
        used = config.nets["E"].options["feat_num"] if config.model.instance_features else 0
        layer = fit_labels(
            config, decided, registry, width - used, "G's first layer" + (f" (less {used} features)" if used else "")
        )
        final = layer.get("data", {}).get("label_nc", config.model.label_nc)
        if encoders and final != label_nc:  # the per-class style buffers follow the classes
            conversion.state |= _centres(centres, final, features, clusters[0] if clusters else None)
        return layer

    conversion.fit = fit
    return conversion


def _convs(state: dict[str, torch.Tensor], prefix: str = "model") -> dict[int, torch.Tensor]:
    """The 4-D weights of ``prefix.<index>.weight``, by index."""
    pattern = re.compile(rf"{prefix}\.(\d+)\.weight")
    return {int(m.group(1)): v for k, v in state.items() if (m := pattern.fullmatch(k)) and v.ndim == 4}


def _generator_config(state: dict[str, torch.Tensor]) -> dict:
    blocks = {int(m.group(1)) for k in state if (m := re.match(r"model\.(\d+)\.conv_block\.", k))}
    convs = _convs(state)
    downsampling = sum(1 for i, w in convs.items() if i < min(blocks) and w.shape[-1] == 3)
    enhancers = len({k.split("_")[0] for k in state if re.match(r"model\d+_1\.", k)})
    if not enhancers:
        return {
            "name": "pix2pixhd_global",
            "input_nc": convs[1].shape[1],
            "ngf": convs[1].shape[0],
            "n_downsample_global": downsampling,
            "n_blocks_global": len(blocks),
            "norm": _norm(state),
        }
    first = state[f"model{enhancers}_1.1.weight"]  # the finest enhancer is ngf wide
    local_blocks = {int(m.group(1)) for k in state if (m := re.match(r"model1_2\.(\d+)\.conv_block\.", k))}
    return {
        "name": "pix2pixhd_local",
        "input_nc": first.shape[1],
        "ngf": first.shape[0],
        "n_downsample_global": downsampling,
        "n_blocks_global": len(blocks),
        "n_local_enhancers": enhancers,
        "n_blocks_local": len(local_blocks),
        "norm": _norm(state),
    }


def _encoder_config(state: dict[str, torch.Tensor]) -> dict:
    convs = _convs(state)
    last = convs[max(convs)]
    downsampling = sum(1 for i, w in convs.items() if w.shape[-1] == 3 and i != max(convs)) // 2
    return {
        "name": "pix2pixhd_encoder",
        "nef": convs[1].shape[0],
        "feat_num": last.shape[0],
        "n_downsampling": downsampling,
        "norm": _norm(state),
    }


def _norm(state: dict[str, torch.Tensor]) -> str:
    """``--norm batch`` leaves affine weights (1-D); the official instance norm has none."""
    return "batch" if any(k.endswith(".weight") and v.ndim == 1 for k, v in state.items()) else "instance"


def _read_clusters(path: Path, feat_num: int, allow_pickle: bool) -> dict[int, np.ndarray]:
    """The official cluster file: up to 10 centres of ``feat_num`` features per class."""
    try:
        clusters = np.load(path, allow_pickle=allow_pickle, encoding="latin1").item()
    except ValueError as exc:
        raise CheckpointError(
            f"{path} is a pickled dict, so reading it executes pickled code ({exc}). If you trust its "
            f"source, pass --allow-pickle."
        ) from None
    for label, array in clusters.items():
        if array.ndim != 2 or array.shape[1] != feat_num or len(array) > 10:
            raise CheckpointError(f"{path}: centres of class {label} have shape {array.shape}, not (<=10, {feat_num})")
    return {int(label): np.asarray(array, dtype=np.float32) for label, array in clusters.items()}


def _centres(
    clusters: dict[int, np.ndarray], label_nc: int, feat_num: int, path: Path | None
) -> dict[str, torch.Tensor]:
    """The encoder's style buffers for ``label_nc`` classes (zeros without a cluster file)."""
    n_clusters = 10
    centres, counts = torch.zeros(label_nc, n_clusters, feat_num), torch.zeros(label_nc, dtype=torch.long)
    for label, array in clusters.items():
        if not 0 <= label < label_nc:
            raise CheckpointError(f"{path}: centres of class {label}, but the model has {label_nc} classes")
        centres[label, : len(array)] = torch.from_numpy(array)
        counts[label] = len(array)
    return {"E.centres": centres, "E.counts": counts}
