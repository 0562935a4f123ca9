"""Evaluation during training (``eval.every``): the metrics on items held out of the training
data, logged beside the losses, and ``RUN/best/`` kept for the best value of ``eval.best``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset, Subset

from zoo.config import EvalSettings
from zoo.errors import ConfigError
from zoo.evaluation import METRICS_FILE, better, build_metrics, evaluate, write_metrics
from zoo.inference import InferencePipeline
from zoo.registry import Registry

BEST_NAME = "best"


class _Part(Subset):
    """A part of a data set that stays the data set for the trainer: ``set_epoch``, ``augment``
    and any other attribute read or set go to the whole (the held-out part shares its files)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self.dataset, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("dataset", "indices"):
            super().__setattr__(name, value)
        else:
            setattr(self.dataset, name, value)


class Evaluator:
    """Holds out ``settings.count`` items (the data set's last; all of a data set no larger, as
    a single-image model's, which is then measured on what it trained on) and measures on them."""

    def __init__(self, settings: EvalSettings, registry: Registry, run_dir: Path, dataset_name: str):
        self.settings, self.dataset_name = settings, dataset_name
        self.best_dir = run_dir / BEST_NAME
        self.held_out: Dataset | None = None
        self.metrics = build_metrics(registry, settings.metric, settings.options)  # missing weights fail here
        if settings.best is not None and not any(settings.best in m.higher_is_better for m in self.metrics.values()):
            raise ConfigError(f"eval.best={settings.best!r}: none of eval.metric={settings.metric} gives it")
        self.best = _recorded(self.best_dir, settings.best)

    def split(self, dataset: Dataset) -> tuple[Dataset, str]:
        """The training part of ``dataset``, and a sentence saying what is held out."""
        count = self.settings.count
        if len(dataset) <= count:
            self.held_out = dataset
            return dataset, f"evaluating on the training data itself ({len(dataset)} item(s), no more to hold out)"
        self.held_out = _Part(dataset, range(len(dataset) - count, len(dataset)))
        return _Part(dataset, range(len(dataset) - count)), f"holding out the last {count} items for evaluation"

    def due(self, step: int) -> bool:
        return bool(self.settings.every) and step % self.settings.every == 0

    def run(self, pipeline: Callable[[], InferencePipeline], step: int, log: Callable[[int, dict], None]) -> None:
        """Measure the current weights (the training RNG untouched); keep them if they are the best."""
        with torch.random.fork_rng():
            pipe = pipeline()
            result = evaluate(pipe, self.held_out, self.metrics, self.dataset_name, progress=False)
        log(step, result.values)
        key = self.settings.best
        if key is None:
            return
        owner = next(m for m in self.metrics.values() if key in m.higher_is_better)
        if better(owner, key, result.values[key], self.best):
            self.best = result.values[key]
            pipe.save(self.best_dir)
            write_metrics(self.best_dir, result)
            (self.best_dir / "step.json").write_text(json.dumps({"step": step, key: self.best}) + "\n")


def _recorded(folder: Path, key: str | None) -> float | None:
    """The best value a resumed run already kept, so a resume does not replace a better model."""
    path = folder / METRICS_FILE
    if key is None or not path.is_file():
        return None
    values: dict[str, Any] = {r["name"]: r["value"] for r in json.loads(path.read_text())["results"]}
    return values.get(key)
