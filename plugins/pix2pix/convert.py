"""Import official pytorch-CycleGAN-and-pix2pix generators (``latest_net_G.pth``).

The official modules and ours share their structure, so keys map one to one; what is inferred
here is the configuration: U-Net depth or ResNet block count, width, normalization, padding,
dropout and channel counts, read off the keys and shapes. A U-Net's dropout leaves no trace in
the weights: it is assumed, and the conversion says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError

_INSTANCE_STATS = re.compile(r"\.(running_mean|running_var|num_batches_tracked)$")

RESNET_LAYOUTS = {
    (1, 5): ("reflect", False),
    (1, 6): ("reflect", True),
    (0, 3): ("zero", False),
    (0, 4): ("zero", True),
}
"""A ResNet block's two convolutions, by their indices in ``conv_block``: the padding and dropout
they tell. The official block is [pad, conv, norm, ReLU, (dropout), pad, conv, norm], without the
pads for ``zero`` padding; dropout, though it holds no weights, moves the second convolution."""

UNET_DROPOUT = (
    "dropout layers hold no weights, so the file does not tell whether the U-Net was trained with "
    "dropout (the official default) or --no_dropout; dropout is assumed. It acts only in the paper's "
    "test mode (test_mode='paper'); for a --no_dropout model --set G.use_dropout=false"
)


def import_official(files: list[Path], allow_pickle: bool = False) -> Conversion:
    """``latest_net_G.pth`` of a pix2pix (U-Net) or CycleGAN-style (ResNet) generator."""
    if len(files) != 1:
        raise CheckpointError(f"pix2pix imports one file, latest_net_G.pth; got {len(files)}")
    state = state_dict_of(read_torch_file(files[0], allow_pickle), files[0])
    unet = "model.model.0.weight" in state
    generator = _unet(state) if unet else _resnet(state, files[0])
    ignored = []
    if generator["norm"] != "batch":  # pre-0.4 PyTorch saved statistics for InstanceNorm
        ignored = [f"{k} (InstanceNorm statistics of old PyTorch)" for k in state if _INSTANCE_STATS.search(k)]
        state = {k: v for k, v in state.items() if not _INSTANCE_STATS.search(k)}
    notes = {"G.use_dropout": UNET_DROPOUT} if unet else {}
    return Conversion({"G": generator}, {f"G.{k}": v for k, v in state.items()}, ignored, notes=notes)


def _norm(state: dict[str, torch.Tensor], first_conv: str) -> str:
    """Batch norm is affine (1-D weights); the official instance norm has no parameters, and the
    convolutions before it have biases, which they lack with ``none``."""
    if any(k.endswith(".weight") and v.ndim == 1 for k, v in state.items()):
        return "batch"
    return "instance" if f"{first_conv}.bias" in state else "none"


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
        "norm": _norm(state, "model.model.0"),
        "use_dropout": True,  # an assumption: see UNET_DROPOUT
    }
    if depth not in names:
        config["num_downs"] = depth
    return config


def _resnet(state: dict[str, torch.Tensor], path: Path) -> dict:
    convs: dict[int, list[int]] = {}
    for key, value in state.items():
        if (m := re.fullmatch(r"model\.(\d+)\.conv_block\.(\d+)\.weight", key)) and value.ndim == 4:
            convs.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    if "model.1.weight" not in state or not convs:
        raise CheckpointError(f"{path}: neither a U-Net nor a ResNet generator of the official code")
    layouts = {tuple(sorted(indices)) for indices in convs.values()}
    if len(layouts) != 1 or (layout := layouts.pop()) not in RESNET_LAYOUTS:
        found = ", ".join(f"model.{b}.conv_block.{sorted(i)}" for b, i in sorted(convs.items()))
        raise CheckpointError(f"{path}: ResNet blocks with convolutions at {found}, which no official block has")
    padding, dropout = RESNET_LAYOUTS[layout]
    first = state["model.1.weight"]
    last_conv = max((k for k in state if re.fullmatch(r"model\.\d+\.weight", k)), key=lambda k: int(k.split(".")[1]))
    config = {
        "name": "resnet",
        "n_blocks": len(convs),
        "input_nc": first.shape[1],
        "output_nc": state[last_conv].shape[0],
        "ngf": first.shape[0],
        "norm": _norm(state, "model.1"),
        "use_dropout": dropout,
    }
    if padding != "reflect":  # reflect and replicate pads hold no weights; official define_G pads by reflection
        config["padding"] = padding
    return config
