"""An exported ONNX model run by ONNX Runtime, called like the generator it stands in for, on the
execution providers it was verified on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from zoo.errors import CheckpointError, ZooError
from zoo.exporting.exporter import ExportError
from zoo.graph import GraphRuntime

PROVIDERS_KEY = "zoo.providers"
"""The metadata entry listing the execution providers an artifact was verified on."""
CPU = "CPUExecutionProvider"
VERIFIED_BEFORE = [CPU]
"""What artifacts exported before the providers were recorded were verified on."""
NOT_DEFAULT = ("TensorrtExecutionProvider", "AzureExecutionProvider")
"""Providers never chosen unasked: zoo builds TensorRT engines itself (verified as such), and
Azure's sends the inputs to a remote endpoint."""


def verification_providers(provider: str | None) -> list[str]:
    """The providers an export is verified on, each on its own: the one asked for (by default the
    first this ONNX Runtime offers, accelerators first) and the CPU, so that any machine can run
    the artifact as verified."""
    import onnxruntime as ort

    offered = ort.get_available_providers()
    chosen = provider or next(p for p in offered if p not in NOT_DEFAULT)
    if chosen not in offered:
        raise ExportError(f"--provider {chosen}: this ONNX Runtime offers {', '.join(offered)}")
    return list(dict.fromkeys([chosen, CPU]))


def session_providers(provider: str) -> list[str]:
    """The providers of a session that runs on ``provider``: it, and the CPU for any operator it
    lacks (as ONNX Runtime itself falls back)."""
    return list(dict.fromkeys([provider, CPU]))


def read_metadata(path: Path) -> dict[str, str]:
    """The metadata entries of an ONNX model, without its external weights."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable ONNX model ({exc})") from None
    return {p.key: p.value for p in model.metadata_props}


def load_provider(path: Path, metadata: dict[str, str], device: str | None) -> str:
    """The provider a load runs ``path`` on: one it was verified on and this ONNX Runtime has (the
    CPU's first when the pipeline is asked to run on the CPU). Running it on any other would give
    outputs nobody checked."""
    import onnxruntime as ort

    verified = json.loads(metadata[PROVIDERS_KEY]) if PROVIDERS_KEY in metadata else VERIFIED_BEFORE
    preferred = sorted(verified, key=lambda p: p != CPU) if device == "cpu" else verified
    usable = [p for p in preferred if p in ort.get_available_providers()]
    if not usable:
        raise ZooError(
            f"{path} was verified on {', '.join(verified)}, none of which this ONNX Runtime has; export it again here "
            f"(zoo export MODEL --format onnx)"
        )
    return usable[0]


class OnnxGraph(GraphRuntime):
    """An ONNX Runtime session on ``provider`` called like the generator it was exported from. If
    ONNX Runtime cannot start the provider (it would silently fall back to another), it fails."""

    def __init__(self, path: Path, provider: str):
        import onnxruntime as ort

        try:
            self.session = ort.InferenceSession(str(path), providers=session_providers(provider))
        except Exception as exc:
            raise CheckpointError(f"{path}: ONNX Runtime cannot load it ({exc})") from None
        if self.session.get_providers()[0] != provider:
            raise ZooError(
                f"{path}: ONNX Runtime could not start {provider} (it would run on {self.session.get_providers()[0]}); "
                f"see its messages above"
            )
        meta = self.session.get_modelmeta().custom_metadata_map
        if "zoo.graph" not in meta:
            raise CheckpointError(f"{path}: not exported by zoo (no zoo.graph metadata); export it with zoo export")
        super().__init__(json.loads(meta["zoo.graph"]), str(path))
        self.metadata, self.provider = meta, provider

    def run(self, tensors: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {name: np.ascontiguousarray(t.detach().float().cpu().numpy()) for name, t in tensors.items()}
        device = next(iter(tensors.values())).device
        return torch.from_numpy(self.session.run(None, feeds)[0]).to(device)
