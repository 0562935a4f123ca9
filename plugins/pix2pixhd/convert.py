"""Import official pix2pixHD files: ``latest_net_G.pth`` (global or local), ``latest_net_E.pth``
and ``features_clustered_010.npy``.

Network keys map one to one; the configuration (widths, depths, enhancers, label classes) is
read off the shapes. The cluster file is a pickled dict, so it is read only with --allow-pickle.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError


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
    g_state = states[generators[0]]
    generator = _generator_config(g_state)
    config: dict = {"G": generator, "model": {"instance_edges": True, "instance_features": bool(encoders)}}
    state = {f"G.{k}": v for k, v in g_state.items()}
    features = 0
    if encoders:
        e_state = states[encoders[0]]
        encoder = _encoder_config(e_state)
        features = encoder["feat_num"]
        config["E"] = encoder
        state |= {f"E.{k}": v for k, v in e_state.items()}
    label_nc = generator.pop("input_nc") - features - 1  # one channel of instance edges
    config["data"] = {"name": "cityscapes", "label_nc": label_nc}
    if encoders:
        state |= _centres(clusters[0] if clusters else None, label_nc, config["E"], allow_pickle)
    elif clusters:
        raise CheckpointError(f"{clusters[0]}: cluster centres need the encoder (latest_net_E.pth) beside them")
    return Conversion(config, state)


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
    }


def _centres(path: Path | None, label_nc: int, encoder: dict, allow_pickle: bool) -> dict[str, torch.Tensor]:
    """The encoder's style buffers, from the official cluster file (zeros without one)."""
    n_clusters, feat_num = 10, encoder["feat_num"]
    centres, counts = torch.zeros(label_nc, n_clusters, feat_num), torch.zeros(label_nc, dtype=torch.long)
    if path is not None:
        try:
            clusters = np.load(path, allow_pickle=allow_pickle, encoding="latin1").item()
        except ValueError as exc:
            raise CheckpointError(
                f"{path} is a pickled dict, so reading it executes pickled code ({exc}). If you trust its "
                f"source, pass --allow-pickle."
            ) from None
        for label, array in clusters.items():
            if not 0 <= int(label) < label_nc or array.shape[1] != feat_num or len(array) > n_clusters:
                raise CheckpointError(
                    f"{path}: centres of class {label} have shape {array.shape}, not (<=10, {feat_num})"
                )
            centres[int(label), : len(array)] = torch.from_numpy(np.asarray(array, dtype=np.float32))
            counts[int(label)] = len(array)
    return {"E.centres": centres, "E.counts": counts}
