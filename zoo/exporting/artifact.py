"""What an exported artifact carries so that ``zoo.load`` can put the family's pipeline around
it again: the run configuration, the graph's inputs and size rules, the precision and test mode,
and the provenance of the weights. Every exporter writes these entries (as the format allows:
metadata inside the file, or a JSON file beside it) and reads them back with :func:`pipeline_around`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from zoo.config import RunConfig, portable
from zoo.errors import ZooError
from zoo.graph import GraphRuntime, GraphSpec
from zoo.inference import InferencePipeline
from zoo.registry import Registry


def artifact_metadata(spec: GraphSpec, pipeline: InferencePipeline, test_mode: str, precision: str) -> dict[str, str]:
    """The ``zoo.*`` entries of an artifact, as strings: what :func:`pipeline_around` needs (the
    configuration without this machine's paths: an artifact is made to be deployed elsewhere)."""
    return {
        "zoo.config": json.dumps(portable(pipeline.config.to_dict())),
        "zoo.graph": json.dumps(spec.describe()),
        "zoo.precision": precision,
        "zoo.test_mode": test_mode,
        "zoo.provenance": json.dumps(pipeline.provenance),
    }


def pipeline_around(
    graph: GraphRuntime,
    metadata: Mapping[str, str],
    path: Path,
    device: str | torch.device,
    registry: Registry,
) -> InferencePipeline:
    """The pipeline of the configuration in ``metadata``, with ``graph`` as its generator."""
    config = RunConfig.from_dict(json.loads(metadata["zoo.config"]), registry, source=f"{path} metadata")
    arch_cls = registry.get("architecture", config.arch).obj
    extra = [n for n in arch_cls.inference_networks(config) if n in arch_cls.pipeline.graph_needs]
    if extra:
        raise ZooError(
            f"{path}: this {config.arch} model also needs its {', '.join(extra)} network(s), which the exported "
            f"graph does not hold; load the PyTorch model for it"
        )
    pipeline = arch_cls.pipeline(config, nn.ModuleDict({"G": graph}), device=device)
    pipeline.provenance = json.loads(metadata.get("zoo.provenance", "{}"))
    pipeline.registry = registry
    return pipeline
