"""The Python entry points: build a configuration, train it, load what it made, export it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from zoo.architecture import Preset
from zoo.checkpoint import find_checkpoint
from zoo.config import RunConfig, load_file, parse_overrides, resolve
from zoo.errors import ConfigError
from zoo.exporting.export import export_pipeline
from zoo.exporting.exporter import ExportReport
from zoo.inference import CONFIG_NAME, InferencePipeline
from zoo.loading import load
from zoo.registry import Registry, get_registry
from zoo.trainer import Trainer

__all__ = ["export", "load", "make_config", "presets", "train"]


def make_config(
    arch: str | None = None,
    data: str | None = None,
    config: str | Path | Mapping | None = None,
    overrides: Iterable[str] = (),
    registry: Registry | None = None,
    preset: str | None = None,
) -> RunConfig:
    """A run configuration: ``arch``'s defaults, then its ``preset`` (``quick``: see
    :func:`presets`), then ``config`` (a file or dict), then ``--set``-style ``overrides`` such as
    ``"G.ngf=32"``; ``data`` names the data set."""
    registry = registry or get_registry()
    layers: list[tuple[str, Mapping[str, Any]]] = []
    if config is not None:
        source = str(config) if not isinstance(config, Mapping) else "config"
        given = dict(config) if isinstance(config, Mapping) else load_file(config)
        arch = arch or given.get("arch")
        layers.append((source, {k: v for k, v in given.items() if k != "arch"}))
    if preset is not None:
        if not arch:
            raise ConfigError(f"--preset {preset}: name the architecture too (--arch)")
        layers.insert(0, (f"preset {preset}", _preset(arch, preset, registry).config()))
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


def export(
    model: InferencePipeline | str | Path,
    format: str,
    out: str | Path | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> ExportReport:
    """Export ``model`` (a pipeline, or anything :func:`zoo.load` takes) with the exporter named
    ``format`` (``zoo list exporter``); ``options`` go to it, checked against its signature.
    The artifact goes to ``out`` (default: the exporter's file name, beside a model folder or
    in the current one); it is verified against PyTorch before it is kept."""
    registry = registry or get_registry()
    pipeline = model if isinstance(model, InferencePipeline) else load(model, device="cpu", registry=registry)
    folder = Path(model) if isinstance(model, (str, Path)) and Path(model).is_dir() else Path(".")
    return export_pipeline(pipeline, format, registry, out, folder, **options)


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


def presets(arch: str, registry: Registry | None = None) -> dict[str, str]:
    """The named presets of architecture ``arch`` (``zoo train --arch ARCH --preset NAME``), with
    what each changes."""
    entry = (registry or get_registry()).get("architecture", arch)
    return {name: preset.summary for name, preset in entry.obj.presets.items()}


def _preset(arch: str, name: str, registry: Registry) -> Preset:
    entry = registry.get("architecture", arch)
    found = {k.lower(): v for k, v in entry.obj.presets.items()}
    if name.lower() not in found:
        known = ", ".join(entry.obj.presets) or "none"
        raise ConfigError(f"--preset {name}: {entry.name} has no such preset (it has: {known})")
    return found[name.lower()]
