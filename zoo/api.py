"""The Python entry points: build a configuration, train it, load what it made."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch

from zoo import hub
from zoo.config import RunConfig, load_file, parse_overrides, resolve
from zoo.errors import ConfigError, ZooError
from zoo.pipeline import CONFIG_NAME, Pipeline, assemble, from_folder, read_config
from zoo.registry import Registry, get_registry
from zoo.trainer import Trainer
from zoo.trainer.checkpoint import META_NAME, Checkpoint, find_checkpoint


def make_config(
    arch: str | None = None,
    data: str | None = None,
    config: str | Path | Mapping | None = None,
    overrides: Iterable[str] = (),
    registry: Registry | None = None,
) -> RunConfig:
    """A run configuration: ``arch``'s defaults, then ``config`` (a file or dict), then
    ``--set``-style ``overrides`` such as ``"G.ngf=32"``; ``data`` names the data set."""
    registry = registry or get_registry()
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if config is not None:
        source = str(config) if not isinstance(config, Mapping) else "config"
        given = dict(config) if isinstance(config, Mapping) else load_file(config)
        arch = arch or given.get("arch")
        layers.append((source, {k: v for k, v in given.items() if k != "arch"}))
    if data:
        layers.append(("--data", {"data": {"name": data}}))
    overrides = list(overrides)
    if overrides:
        layers.append(("--set", parse_overrides(overrides)))
    if not arch:
        raise ConfigError("no architecture named: pass --arch (see `zoo list architecture`)")
    return resolve(arch, registry, layers)


def train(
    config: RunConfig | None = None,
    out: str | Path | None = None,
    resume: str | Path | None = None,
    registry: Registry | None = None,
) -> Path:
    """Train ``config`` into the run folder ``out`` (default ``runs/<arch>-<time>``) and return it.

    With ``resume`` (a run folder, or one of its checkpoints) the run continues where it stopped
    with the checkpoint's configuration; ``config`` may change its ``train`` section, except what
    decides the order of data and randomness. ``out`` then forks the run into another folder.
    """
    registry = registry or get_registry()
    if resume is not None:
        checkpoint = find_checkpoint(Path(resume))
        config = _resumable(config, checkpoint.path / CONFIG_NAME, registry)
        run_dir = Path(out) if out else checkpoint.path.parent.parent
        Trainer(config, run_dir, registry, resume=checkpoint.path).fit()
        return run_dir
    if config is None:
        raise ConfigError("nothing to train: pass a configuration (zoo.make_config) or resume a run")
    run_dir = Path(out) if out else Path("runs") / f"{config.arch}-{time.strftime('%Y%m%d-%H%M%S')}"
    Trainer(config, run_dir, registry).fit()
    return run_dir


def load(
    name_or_path: str | Path,
    revision: str | None = None,
    device: str | torch.device | None = None,
    registry: Registry | None = None,
    **hub_options: Any,
) -> Pipeline:
    """A ready-to-use, eval-mode pipeline from a registered pretrained name (``"spade-cityscapes"``)
    or a Hugging Face Hub repository id (at ``revision``; ``hub_options`` such as ``token``,
    ``cache_dir`` or ``force_download`` go to the download), a saved model folder, a run folder
    (its latest checkpoint), a checkpoint folder, an exported ONNX model or a TensorRT engine."""
    folder = Path(name_or_path)
    registry = registry or get_registry()
    if not folder.exists():
        folder = hub.resolve(str(name_or_path), revision, registry, **hub_options)
    if folder.suffix in (".onnx", ".engine", ".plan") and folder.is_file():
        from zoo.exporters.runtime import load_engine, load_graph

        return (load_graph if folder.suffix == ".onnx" else load_engine)(folder, device, registry)
    if (folder / "checkpoints").is_dir() or (folder / META_NAME).is_file():
        return from_checkpoint(find_checkpoint(folder), registry, device)
    if not (folder / CONFIG_NAME).is_file():
        raise ZooError(
            f"{name_or_path}: not a saved model, run or checkpoint folder (no {CONFIG_NAME}); "
            f"pass the folder that `zoo train` or save_pretrained() wrote"
        )
    return from_folder(folder, registry, device=device)


def from_checkpoint(checkpoint: Checkpoint, registry: Registry, device: str | torch.device | None = None) -> Pipeline:
    """The pipeline of a training checkpoint: its inference networks as they were in its phase."""
    config = read_config(checkpoint.path / CONFIG_NAME, registry)
    arch_cls = registry.get("architecture", config.arch).obj
    config = arch_cls.checkpoint_config(config, checkpoint.phase_name)
    names = arch_cls.inference_networks(config)
    state = {k: v for k, v in checkpoint.weights().items() if k.split(".", 1)[0] in names}
    return assemble(config, state, checkpoint.path, registry, device)


FIXED_ON_RESUME = ("batch_size", "accumulate", "seed")
"""Training settings that decide the order of data and randomness, so a resumed run keeps them."""


def _resumable(config: RunConfig | None, saved_path: Path, registry: Registry) -> RunConfig:
    """The checkpoint's configuration, or ``config`` if it differs from that only where allowed."""
    saved = RunConfig.from_dict(json.loads(saved_path.read_text()), registry, source=str(saved_path))
    if config is None:
        return saved
    ours, theirs = config.to_dict(), saved.to_dict()
    changed = [k for k in theirs if k != "train" and ours.get(k) != theirs[k]]
    changed += [f"train.{k}" for k in FIXED_ON_RESUME if ours["train"][k] != theirs["train"][k]]
    if changed:
        raise ConfigError(
            f"cannot resume from {saved_path.parent} with a different {', '.join(changed)}; "
            f"only the other train.* settings may change (or start a new run)"
        )
    return config
