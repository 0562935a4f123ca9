"""What a metric is: fed batches of generated images (with what they were made from), it returns
named numbers. The measures themselves are plugins (``zoo_metrics``); this module is the contract
they implement and the one way they find their pretrained weights."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn

from zoo.errors import ConfigError


@dataclass
class EvalBatch:
    """One batch for the metrics: images in [0, 1] (N, 3, H, W) and what they came from.

    ``real``: the data set's photos for the same inputs (a single-image model: its training image, repeated);
    ``labels``: the class maps (N, H, W) the images were made from, as the model's classes;
    ``variants``: further outputs for the same inputs with other styles or seeds, for diversity.
    """

    fake: torch.Tensor
    real: torch.Tensor | None = None
    labels: torch.Tensor | None = None
    variants: list[torch.Tensor] | None = None


class Metric:
    """Base of every metric: :meth:`update` with batches, then :meth:`compute`; :meth:`reset`
    empties what was collected, so one built metric (its network loaded once) measures again.

    ``needs`` names the :class:`EvalBatch` fields it reads beyond ``fake``, so ``zoo eval`` can
    refuse a metric a model or data set cannot feed before any image is made. ``higher_is_better``
    says, per value it returns, which way is better (the trainer's best checkpoint follows it).
    """

    needs: ClassVar[tuple[str, ...]] = ()
    higher_is_better: ClassVar[dict[str, bool]] = {}
    summary: ClassVar[str] = ""

    def reset(self) -> None:
        """Forget every batch; constructors call it, :func:`zoo.evaluation.evaluate` before each run."""
        raise NotImplementedError

    def update(self, batch: EvalBatch) -> None:
        raise NotImplementedError

    def compute(self) -> dict[str, float]:
        raise NotImplementedError

    def protocol(self) -> dict[str, Any]:
        """How the numbers were measured (feature extractor, its weights' hash, resolution), for
        ``metrics.json``."""
        return {}


class Segmenter(nn.Module):
    """A segmentation network for the segmentation score: ``forward`` takes images in [0, 1]
    (N, 3, H, W) and returns class logits (N, C, H, W); :meth:`target` maps a model's class maps
    to the segmenter's classes, ``ignore`` where it has none."""

    ignore: int = 255

    def target(self, labels: torch.Tensor) -> torch.Tensor:
        return labels


def weights_file(file: str | None, env: str, what: str, published: str, option: str) -> Path:
    """The local weights file a metric needs (``file``, else the ``env`` variable), or a
    ConfigError naming the file and where its reference implementation publishes it; ``option``
    is the key that sets ``file`` (``fid.file``; a segmenter's is ``segmentation.options.file``)."""
    path = file or os.environ.get(env)
    if not path:
        raise ConfigError(
            f"{what}: pass file=/path/to/it (zoo eval --set {option}=..., in training eval.options.{option}=...) "
            f"or set {env}; it is published at {published}"
        )
    if not Path(path).is_file():
        raise ConfigError(
            f"{path}: no such file ({what}; set {env} or {option} to the downloaded file from {published})"
        )
    return Path(path)


def weights_record(path: Path) -> dict[str, str]:
    """A weights file's name and SHA-256, hashed once when a metric is built, for ``metrics.json``."""
    return {"weights": path.name, "weights_sha256": file_hash(path)}


def file_hash(path: Path) -> str:
    """The SHA-256 of a weights file, for the record of how a number was measured."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] (a model's outputs, a data set's photos) as [0, 1] on the CPU, for the metrics."""
    return ((images.float().clamp(-1, 1) + 1) / 2).cpu()


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Images in [0, 1] as the uint8 a saved PNG holds: every protocol measures saved images."""
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)


def as_saved(images: torch.Tensor, device: torch.device | None = None, signed: bool = False) -> torch.Tensor:
    """Images in [0, 1] with the values a saved PNG would give back, as float on ``device``; in
    [-1, 1] if ``signed`` (what some reference implementations feed their networks)."""
    saved = quantize(images).to(device).float() / 255
    return saved * 2 - 1 if signed else saved
