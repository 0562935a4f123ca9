"""``zoo.load``: a ready-to-use, eval-mode pipeline from whatever names a model — a registered
pretrained name, a Hub repository id, a saved model folder, a run or checkpoint folder, or an
exported artifact, which the exporter plugin that wrote its format loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from zoo import hub
from zoo.checkpoint import FINAL_NAME, META_NAME, Checkpoint, find_checkpoint
from zoo.errors import ZooError
from zoo.inference import CONFIG_NAME, InferencePipeline
from zoo.progress import checkpoint_progress
from zoo.registry import Entry, Registry, get_registry
from zoo.saved import SAVED_FILES, from_folder, read_config, training_pipeline


def load(
    name_or_path: str | Path,
    revision: str | None = None,
    device: str | torch.device | None = None,
    registry: Registry | None = None,
    artifact: str | None = None,
    **hub_options: Any,
) -> InferencePipeline:
    """The pipeline of ``name_or_path``: a registered pretrained name (``"spade-cityscapes"``) or a
    Hugging Face Hub repository id (at ``revision``; ``hub_options`` such as ``token``,
    ``cache_dir`` or ``force_download`` go to the download), a saved model folder, a run folder
    (its latest checkpoint), a checkpoint folder, or an artifact of any registered exporter
    (``zoo list exporter``), which the exporter of its suffix loads. ``artifact`` names an
    exported file of the folder or repository to load instead of its PyTorch weights
    (``"model.onnx"``). From the Hub, only the files the chosen loader reads are fetched."""
    registry = registry or get_registry()
    folder = Path(name_or_path)
    if not folder.exists():
        needs = SAVED_FILES if artifact is None else artifact_needs(artifact, registry)
        folder = hub.resolve(str(name_or_path), revision, registry, allow_patterns=needs, **hub_options)
    if artifact is not None:
        folder = folder / artifact
        if not folder.is_file():
            raise ZooError(f"{name_or_path} has no {artifact}: export it first (zoo export), or load the model")
    if folder.is_file():
        return _artifact(folder, device, registry)
    if (folder / "checkpoints").is_dir() or (folder / META_NAME).is_file():
        return from_checkpoint(find_checkpoint(folder), registry, device)
    if (folder / FINAL_NAME / CONFIG_NAME).is_file():  # a finished run that kept only its model
        return from_folder(folder / FINAL_NAME, registry, device=device)
    if not (folder / CONFIG_NAME).is_file():
        raise ZooError(
            f"{name_or_path}: not a saved model, run or checkpoint folder (no {CONFIG_NAME}); "
            f"pass the folder that `zoo train` or save_pretrained() wrote"
        )
    return from_folder(folder, registry, device=device)


def from_checkpoint(
    checkpoint: Checkpoint, registry: Registry, device: str | torch.device | None = None
) -> InferencePipeline:
    """The pipeline of a training checkpoint: its inference networks as they were in its phase."""
    config = read_config(checkpoint.path / CONFIG_NAME, registry)
    pipeline = training_pipeline(config, checkpoint.phase_name, checkpoint.weights(), checkpoint.path, registry, device)
    pipeline.checkpoint = checkpoint.path
    pipeline.provenance["training"] = checkpoint_progress(checkpoint)  # kept when it is saved or pushed
    return pipeline


def artifact_needs(artifact: str, registry: Registry) -> list[str]:
    """The files a load of ``artifact`` reads: it and its companions (an ONNX model's weights)."""
    exporter = exporter_of(Path(artifact), registry).obj
    return [artifact, *(artifact + ending for ending in exporter.companions)]


def exporter_of(path: Path, registry: Registry) -> Entry:
    """The exporter whose suffix ``path`` has (the longest match)."""
    exporters = [(entry, entry.obj.handles(path)) for entry in registry.entries("exporter")]
    matching = sorted((len(suffix), entry.name, entry) for entry, suffix in exporters if suffix)
    if not matching:
        known = sorted({suffix for entry in registry.entries("exporter") for suffix in entry.obj.suffixes})
        raise ZooError(
            f"{path}: not a model folder, and no exporter writes files named *{path.suffix or path.name}; "
            f"exported models end in {', '.join(known) or '(no exporter is installed)'} (see zoo list exporter)"
        )
    return matching[-1][2]


def _artifact(path: Path, device: str | torch.device | None, registry: Registry) -> InferencePipeline:
    """An exported artifact, loaded by the exporter that writes its format."""
    entry = exporter_of(path, registry)
    missing = entry.obj.unavailable()
    if missing:
        raise ZooError(f"{path}: loading a {entry.name} artifact needs {missing}")
    return entry.obj.load(path, device, registry)
