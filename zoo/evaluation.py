"""Running metrics over a model's outputs: ``zoo eval`` and the trainer's ``eval.every`` use this,
and ``metrics.json`` (read by the model card's ``model-index``) is written here."""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.utils.data import default_collate

from zoo.errors import ConfigError
from zoo.files import write_atomic
from zoo.inference import InferencePipeline
from zoo.metric import EvalBatch, Metric
from zoo.registry import Registry

METRICS_FILE = "metrics.json"


@dataclass
class Evaluation:
    """Every metric's numbers and how they were measured."""

    values: dict[str, float]
    dataset: str
    images: int
    resolution: tuple[int, int]
    protocol: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        results = [{"name": k, "value": round(v, 6), "dataset": self.dataset} for k, v in self.values.items()]
        return {
            "results": results,
            "dataset": self.dataset,
            "images": self.images,
            "resolution": list(self.resolution),
            "protocol": self.protocol,
        }


def build_metrics(registry: Registry, names: Sequence[str], options: Mapping[str, Mapping[str, Any]]) -> dict:
    """The named metrics with their options (``{metric: {option: value}}``); each fails here, before
    any image is made, if its weights are missing."""
    return {name: registry.create("metric", name, **options.get(name, {})) for name in names}


def evaluate(
    pipeline: InferencePipeline,
    dataset: Any,
    metrics: Mapping[str, Metric],
    dataset_name: str,
    count: int | None = None,
    batch_size: int = 4,
    seed: int = 0,
    variants: int = 0,
    progress: bool = True,
    options: Mapping[str, Any] | None = None,
) -> Evaluation:
    """Feed ``count`` outputs (default: one per data-set item; items repeat for a single-image model)
    to every (reset) metric, without the data set's augmentation; a batch starting at position i
    is made with seed ``seed + i``. ``options`` go to the pipeline's ``evaluation_batch`` (what
    its family's protocols vary: ``zoo eval --set model.KEY=VALUE``) and into the record."""
    if not len(dataset):
        raise ConfigError(f"the data set {dataset_name} is empty: nothing to evaluate on")
    options = dict(options or {})
    _check_options(pipeline, options)
    for metric in metrics.values():  # feature networks run where the model runs
        metric.reset()
        for part in vars(metric).values():
            if isinstance(part, torch.nn.Module):
                part.to(pipeline.device)
    wanted = variants or (1 if any("variants" in m.needs for m in metrics.values()) else 0)
    count = count or len(dataset)
    resolution: tuple[int, int] = (0, 0)
    augment = getattr(dataset, "augment", None)
    if augment is not None:
        dataset.augment = False  # no random crop or flip: the test scripts' protocol
    with _bar(progress) as bar, _restore(dataset, augment):
        task = bar.add_task("evaluating", total=count)
        for start in range(0, count, batch_size):
            indices = range(start, min(start + batch_size, count))
            items = default_collate([dataset[i % len(dataset)] for i in indices])
            batch = pipeline.evaluation_batch(items, seed + start, variants=wanted, **options)
            if start == 0:
                _check_needs(metrics, batch, dataset_name)
            resolution = tuple(batch.fake.shape[-2:])
            for metric in metrics.values():
                metric.update(batch)
            bar.advance(task, len(indices))
    values = {key: value for metric in metrics.values() for key, value in metric.compute().items()}
    protocol = {name: metric.protocol() for name, metric in metrics.items()} | ({"model": options} if options else {})
    return Evaluation(values, dataset_name, count, resolution, protocol)


def write_metrics(folder: Path, evaluation: Evaluation) -> Path:
    """``metrics.json`` beside the model, written atomically."""
    return write_atomic(folder / METRICS_FILE, json.dumps(evaluation.to_dict(), indent=2) + "\n")


def better(metric: Metric, key: str, new: float, old: float | None) -> bool:
    """Whether ``new`` beats ``old`` for value ``key`` of ``metric`` (its declared direction)."""
    if key not in metric.higher_is_better:
        raise ConfigError(f"eval.best={key!r}: the metric gives {', '.join(metric.higher_is_better)}")
    return old is None or (new > old if metric.higher_is_better[key] else new < old)


def _check_options(pipeline: InferencePipeline, options: Mapping[str, Any]) -> None:
    """Refuse, by name, an option the pipeline's ``evaluation_batch`` does not take."""
    taken = [
        n for n in inspect.signature(pipeline.evaluation_batch).parameters if n not in ("items", "seed", "variants")
    ]
    for key in options:
        if key not in taken:
            offers = ", ".join(f"model.{name}" for name in taken) or "none"
            raise ConfigError(f"--set model.{key}: this model's evaluation has no such option (it has: {offers})")


def _check_needs(metrics: Mapping[str, Metric], batch: EvalBatch, dataset: str) -> None:
    for name, metric in metrics.items():
        for need in metric.needs:
            if getattr(batch, need) in (None, []):
                raise ConfigError(
                    f"metric {name} needs {need}, which this model on {dataset} does not give "
                    f"(real: a data set with target images; labels: a label-map model; variants: a multimodal model)"
                )


@contextlib.contextmanager
def _restore(dataset: Any, augment: bool | None) -> Iterator[None]:
    try:
        yield
    finally:
        if augment is not None:
            dataset.augment = augment


def _bar(active: bool) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=not active,
    )
