"""Reading saved models: a folder's ``config.json`` and ``model.safetensors`` (never a pickle)
built into the family's pipeline, strictly: every key of the file must fit the model."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn

from zoo.config import RunConfig
from zoo.errors import CheckpointError
from zoo.inference import CONFIG_NAME, PROVENANCE_NAME, WEIGHTS_NAME, InferencePipeline
from zoo.registry import Registry

SAVED_FILES = [CONFIG_NAME, WEIGHTS_NAME, PROVENANCE_NAME]
"""What a saved model is read from (a download fetches these alone)."""


def from_folder(folder: Path, registry: Registry, device: str | torch.device | None = None) -> InferencePipeline:
    """Build the pipeline saved in ``folder`` (``config.json`` + ``model.safetensors``).

    Loading is strict: a key missing from the file, or one the model does not have, is an
    error naming the keys.
    """
    config = read_config(folder / CONFIG_NAME, registry)
    pipeline = assemble(config, read_weights(folder / WEIGHTS_NAME), folder / WEIGHTS_NAME, registry, device)
    if (folder / PROVENANCE_NAME).is_file():
        pipeline.provenance = json.loads((folder / PROVENANCE_NAME).read_text())
    return pipeline


def assemble(
    config: RunConfig,
    state: dict[str, torch.Tensor],
    source: Path | str,
    registry: Registry,
    device: str | torch.device | None = None,
) -> InferencePipeline:
    """The pipeline of ``config`` holding the weights ``state`` of its inference networks."""
    arch_cls = registry.get("architecture", config.arch).obj
    nets = build_loaded(arch_cls, config, registry, arch_cls.inference_networks(config), state, source)
    pipeline = arch_cls.pipeline(config, nets, device=device)
    pipeline.registry = registry
    return pipeline


def build_loaded(
    arch_cls: type,
    config: RunConfig,
    registry: Registry,
    names: list[str],
    state: dict[str, torch.Tensor],
    source: Path | str,
) -> nn.ModuleDict:
    """The networks ``names`` holding ``state``. They are built on the meta device, so the
    initialisation that the weights replace costs nothing (seconds for a 180 M-parameter model)."""
    with torch.device("meta"):
        nets = arch_cls.build_nets(config, registry, names)
    load_strict(nets, state, source, assign=True)
    if any(t.is_meta for t in [*nets.parameters(), *nets.buffers()]):  # a buffer the file does not hold
        nets = arch_cls.build_nets(config, registry, names)
        load_strict(nets, state, source)
    return nets


def read_config(path: Path, registry: Registry) -> RunConfig:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: a saved model folder holds {CONFIG_NAME}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from None
    return RunConfig.from_dict(data, registry, source=str(path))


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A safetensors file as tensors; never unpickles anything."""
    try:
        return load_file(str(path))
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is corrupt or truncated ({exc}); save or download it again") from None


def load_strict(module: nn.Module, state: dict[str, torch.Tensor], source: Path | str, assign: bool = False) -> None:
    """``load_state_dict(strict=True)`` with an error that names the keys and the file."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        parts = [
            f"missing keys: {_keys(missing)}" if missing else "",
            f"unexpected keys: {_keys(unexpected)}" if unexpected else "",
            "wrong shapes: " + _keys([f"{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}" for k in wrong])
            if wrong
            else "",
        ]
        raise CheckpointError(f"{source} does not fit the model ({'; '.join(p for p in parts if p)})")
    module.load_state_dict(state, strict=True, assign=assign)


def _keys(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")


def training_pipeline(
    config: RunConfig,
    phase_name: str,
    weights: dict[str, torch.Tensor],
    source: Path | str,
    registry: Registry,
    device: str | torch.device | None = None,
) -> InferencePipeline:
    """The inference pipeline of a training state (a checkpoint's, or a finished run's): its
    inference networks as they were in phase ``phase_name``."""
    arch_cls = registry.get("architecture", config.arch).obj
    config = arch_cls.checkpoint_config(config, phase_name)
    names = arch_cls.inference_networks(config)
    state = {k: v for k, v in weights.items() if k.split(".", 1)[0] in names}
    return assemble(config, state, source, registry, device)
