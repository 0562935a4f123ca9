"""Calibration inputs for int8: what the generator receives on images of the model's data set.

The family's own training code prepares each item (encoding label maps, say), and the inputs
are captured where they reach the generator, so no family needs calibration code of its own.
Graphs fed only noise (SinGAN) are calibrated on noise, which is their data."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import default_collate

from zoo.architecture import training_model
from zoo.errors import ZooError
from zoo.graph import GraphSpec
from zoo.inference import InferencePipeline
from zoo.registry import Registry


def calibration_inputs(
    pipeline: InferencePipeline, spec: GraphSpec, registry: Registry, count: int = 16
) -> list[dict[str, np.ndarray]]:
    names = [i.name for i in spec.inputs]
    if all(i.kind == "noise" for i in spec.inputs):
        return [_named(names, spec.example(1, spec.trace_size(), seed=s)) for s in range(count)]
    config = pipeline.config
    try:
        dataset = registry.create("dataset", config.data.name, **config.data.options)
    except ZooError as exc:
        raise ZooError(
            f"int8 calibrates on images of the model's data set ({config.data.name}), which cannot be read: {exc}. "
            f"Make it readable where the model's configuration says (the data section of config.json), or "
            f"export fp32/fp16"
        ) from None
    if hasattr(dataset, "augment"):
        dataset.augment = False
    model = training_model(pipeline, registry)
    captured: list[tuple[Any, ...]] = []
    handle = model.nets["G"].register_forward_pre_hook(lambda module, args: captured.append(args))
    try:
        with torch.inference_mode():
            for index in range(min(count, len(dataset))):
                model.generate(model.prepare_batch(default_collate([dataset[index]])))
    finally:
        handle.remove()
    return [_named(names, [a for a in args if a is not None]) for args in captured]


def _named(names: list[str], tensors: Any) -> dict[str, np.ndarray]:
    return {name: t.float().numpy() for name, t in zip(names, tensors, strict=True)}
