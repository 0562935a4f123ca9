"""Import official pytorch-CycleGAN-and-pix2pix generators (``latest_net_G.pth``).

The official modules and ours share their structure, so keys map one to one; what is inferred
here is the configuration: U-Net depth or ResNet block count, width, normalization, dropout
and channel counts, read off the keys and shapes.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError

_INSTANCE_STATS = re.compile(r"\.(running_mean|running_var|num_batches_tracked)$")


def import_official(files: list[Path], allow_pickle: bool = False) -> Conversion:
    """``latest_net_G.pth`` of a pix2pix (U-Net) or CycleGAN-style (ResNet) generator."""
    if len(files) != 1:
        raise CheckpointError(f"pix2pix imports one file, latest_net_G.pth; got {len(files)}")
    state = state_dict_of(read_torch_file(files[0], allow_pickle), files[0])
    generator = _unet(state) if "model.model.0.weight" in state else _resnet(state, files[0])
    ignored = []
    if generator["norm"] == "instance":  # pre-0.4 PyTorch saved statistics for InstanceNorm
        ignored = [f"{k} (InstanceNorm statistics of old PyTorch)" for k in state if _INSTANCE_STATS.search(k)]
        state = {k: v for k, v in state.items() if not _INSTANCE_STATS.search(k)}
    return Conversion({"G": generator}, {f"G.{k}": v for k, v in state.items()}, ignored)


def _norm(state: dict[str, torch.Tensor]) -> str:
    """Batch norm is affine (1-D weights); the official instance norm has no parameters."""
    return "batch" if any(k.endswith(".weight") and v.ndim == 1 for k, v in state.items()) else "instance"


def _unet(state: dict[str, torch.Tensor]) -> dict:
    # Levels nest as model.model.1 (the second level), then model.3 (each further one).
    depth = 2 + max(len(re.findall(r"(?=model\.3\.model\.)", k)) for k in state)
    first, last = state["model.model.0.weight"], state["model.model.3.weight"]
    names = {8: "unet_256", 7: "unet_128"}
    config = {
        "name": names.get(depth, "unet"),
        "input_nc": first.shape[1],
        "output_nc": last.shape[1],
        "ngf": first.shape[0],
        "norm": _norm(state),
        "use_dropout": True,
    }
    if depth not in names:
        config["num_downs"] = depth
    return config


def _resnet(state: dict[str, torch.Tensor], path: Path) -> dict:
    blocks = {int(m.group(1)) for k in state if (m := re.match(r"model\.(\d+)\.conv_block\.", k))}
    if "model.1.weight" not in state or not blocks:
        raise CheckpointError(f"{path}: neither a U-Net nor a ResNet generator of the official code")
    first = state["model.1.weight"]
    last_conv = max((k for k in state if re.fullmatch(r"model\.\d+\.weight", k)), key=lambda k: int(k.split(".")[1]))
    dropout = any(".conv_block.6.weight" in k for k in state)
    return {
        "name": "resnet",
        "n_blocks": len(blocks),
        "input_nc": first.shape[1],
        "output_nc": state[last_conv].shape[0],
        "ngf": first.shape[0],
        "norm": _norm(state),
        "use_dropout": dropout,
    }
