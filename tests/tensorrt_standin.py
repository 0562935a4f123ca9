"""A stand-in for the ``tensorrt`` package and its engine, for testing on machines without
TensorRT or a GPU the logic zoo wraps around them: staging the engine until it is verified,
the timing cache, the reports. It is not TensorRT: its "engine" is the ONNX model it was given,
run by ONNX Runtime, and its builder checks nothing. The real engine tests are in
tests/test_tensorrt.py and need ``tensorrt`` and CUDA.

The API surface is the part of TensorRT 10/11's Python API that ``exporters/tensorrt.py`` calls
(``Builder``, ``OnnxParser``, the builder config with its timing cache)."""

from __future__ import annotations

import json
import types
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from zoo.graph import GraphRuntime

FOREIGN = b"foreign-cache:"
"""A timing cache "made by another TensorRT or GPU": the stand-in config refuses it."""
UNREADABLE = b"garbage:"
"""A timing cache the stand-in cannot even read."""
BUILT: list[dict] = []
"""What each stand-in build was given (the network's creation flags, the profile's shapes, the
flags cleared), for tests to check."""


class _Config:
    def __init__(self) -> None:
        self.flags_cleared: list[object] = []
        self.timing_cache: _TimingCache | None = None

    def set_memory_pool_limit(self, pool: object, size: int) -> None:
        self.workspace = size

    def clear_flag(self, flag: object) -> None:
        self.flags_cleared.append(flag)

    def add_optimization_profile(self, profile: object) -> None:
        self.profile = profile

    def create_timing_cache(self, blob: bytes) -> _TimingCache:
        return _TimingCache(bytes(blob))

    def set_timing_cache(self, cache: _TimingCache, ignore_mismatch: bool) -> bool:
        if cache.blob.startswith(FOREIGN) and not ignore_mismatch:
            return False
        self.timing_cache = cache
        return True

    def get_timing_cache(self) -> _TimingCache:
        assert self.timing_cache is not None
        return self.timing_cache


class _TimingCache:
    def __init__(self, blob: bytes):
        if blob.startswith(UNREADABLE):
            raise RuntimeError("the stand-in cannot read this timing cache")
        self.blob = blob

    def serialize(self) -> bytes:
        return self.blob


class _Network:
    def __init__(self, flags: int):
        self.flags, self.model = flags, None


class _Parser:
    num_errors = 0

    def __init__(self, network: _Network, logger: object):
        self.network = network

    def parse_from_file(self, path: str) -> bool:
        self.network.model = Path(path)
        return True


class _Profile:
    def __init__(self) -> None:
        self.shapes: dict[str, tuple] = {}

    def set_shape(self, name: str, low: tuple, opt: tuple, high: tuple) -> None:
        self.shapes[name] = (low, opt, high)


class _Builder:
    def __init__(self, logger: object):
        pass

    def create_network(self, flags: int) -> _Network:
        return _Network(flags)

    def create_builder_config(self) -> _Config:
        return _Config()

    def create_optimization_profile(self) -> _Profile:
        return _Profile()

    def build_serialized_network(self, network: _Network, config: _Config) -> bytes:
        assert network.model is not None and config.timing_cache is not None
        config.timing_cache.blob += b"+build"  # a build adds its timings to the attached cache
        BUILT.append({"flags": network.flags, "shapes": config.profile.shapes, "cleared": config.flags_cleared})
        return network.model.read_bytes()  # the "engine" is the ONNX model


class _Logger:
    WARNING = 2

    def __init__(self, level: int):
        pass


def module() -> types.ModuleType:
    """A fresh stand-in ``tensorrt`` module."""
    trt = types.ModuleType("tensorrt_standin")
    trt.__version__ = "10.0-standin"
    trt.Logger = _Logger
    trt.Builder = _Builder
    trt.OnnxParser = _Parser
    trt.NetworkDefinitionCreationFlag = types.SimpleNamespace(STRONGLY_TYPED=0)
    trt.MemoryPoolType = types.SimpleNamespace(WORKSPACE="workspace")
    trt.BuilderFlag = types.SimpleNamespace(TF32="tf32")
    return trt


class StandInEngine(GraphRuntime):
    """Runs a stand-in "engine" (an ONNX model) with ONNX Runtime, plus ``offset``: a non-zero
    offset makes a wrong engine, which verification must reject."""

    offset = 0.0

    def __init__(self, path: Path, device: str = "cpu"):
        self.metadata = json.loads(path.with_name(path.name + ".meta.json").read_text())
        super().__init__(json.loads(self.metadata["zoo.graph"]), str(path))
        self.session = ort.InferenceSession(path.read_bytes(), providers=["CPUExecutionProvider"])
        self.gpu = torch.device("cpu")

    def run(self, tensors: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {name: np.ascontiguousarray(t.float().numpy()) for name, t in tensors.items()}
        return torch.from_numpy(self.session.run(None, feeds)[0]) + self.offset
