"""The runtimes of the exported graphs: an ONNX Runtime session or a TensorRT engine called like
the generator it stands in for, behind the family's own pipeline (the exporters' ``load``), so the
same calls work and inputs the graph cannot take fail clearly."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from zoo.errors import CheckpointError, ZooError
from zoo.graph import GraphRuntime

TENSORRT_INSTALL = (
    'pip install "zoo-gan[tensorrt]" (or: pip install tensorrt --extra-index-url https://pypi.nvidia.com)'
)


class OnnxGraph(GraphRuntime):
    """An ONNX Runtime session called like the generator it was exported from."""

    def __init__(self, path: Path, providers: list[str] | None = None):
        import onnxruntime as ort

        try:
            self.session = ort.InferenceSession(str(path), providers=providers or ort.get_available_providers())
        except Exception as exc:
            raise CheckpointError(f"{path}: ONNX Runtime cannot load it ({exc})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if "zoo.graph" not in meta:
            raise CheckpointError(f"{path}: not exported by zoo (no zoo.graph metadata); export it with zoo export")
        super().__init__(json.loads(meta["zoo.graph"]), str(path))
        self.metadata = meta

    def run(self, tensors: dict[str, torch.Tensor]) -> torch.Tensor:
        feeds = {name: np.ascontiguousarray(t.detach().float().cpu().numpy()) for name, t in tensors.items()}
        device = next(iter(tensors.values())).device
        return torch.from_numpy(self.session.run(None, feeds)[0]).to(device)


def tensorrt_missing() -> str | None:
    """What TensorRT needs that this machine lacks, with how to get it (``the tensorrt package
    ...: pip install ...``); None if nothing."""
    missing = []
    try:
        import tensorrt  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: the package is there but its CUDA libraries are not
        missing.append(f"the tensorrt package ({exc}): {TENSORRT_INSTALL}")
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU, which PyTorch does not see (an NVIDIA GPU and driver, and a CUDA build of torch)")
    return " and ".join(missing) or None


def import_tensorrt(purpose: str, error: type[ZooError] = ZooError) -> ModuleType:
    """``tensorrt``, where it and a CUDA GPU are there; otherwise ``error`` saying what is missing
    and how to install it, so that nothing fails half-way through an export or a load."""
    missing = tensorrt_missing()
    if missing:
        raise error(f"{purpose} needs {missing}")
    import tensorrt

    return tensorrt


def engine_metadata(path: Path) -> Path:
    """Where an engine's zoo metadata lie: engines carry none, so the ONNX model's ``zoo.*``
    entries go beside them (``model.engine`` -> ``model.engine.meta.json``)."""
    return path.with_name(path.name + ".meta.json")


class TensorRTGraph(GraphRuntime):
    """A TensorRT engine called like the generator it was built from. It runs on ``device`` (a
    GPU) and answers on the inputs' device; inputs outside the engine's optimization profile
    (batch and sizes it was built for) fail clearly instead of inside TensorRT."""

    def __init__(self, path: Path, device: str | torch.device = "cuda"):
        trt = import_tensorrt(f"{path}: running a TensorRT engine")
        meta_path = engine_metadata(path)
        if not meta_path.is_file():
            raise CheckpointError(f"{path}: {meta_path.name} is missing beside it (the zoo metadata); export it again")
        metadata = json.loads(meta_path.read_text())
        super().__init__(json.loads(metadata["zoo.graph"]), str(path))
        self.metadata = metadata
        self.gpu = torch.device(device) if torch.device(device).type == "cuda" else torch.device("cuda")
        with torch.cuda.device(self.gpu):
            self.runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))  # held while its engine lives
            self.engine = self.runtime.deserialize_cuda_engine(path.read_bytes())
            if self.engine is None:
                raise CheckpointError(
                    f"{path}: TensorRT {trt.__version__} cannot load it (built by another TensorRT version or for "
                    f"another GPU?); build it again here with zoo export --trt"
                )
            self.context = self.engine.create_execution_context()
            self.stream = torch.cuda.Stream(self.gpu)
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        outputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.OUTPUT]
        if len(outputs) != 1 or set(names) - set(outputs) != set(self.input_names):
            raise CheckpointError(
                f"{path}: the engine's tensors {names} do not match {meta_path.name}; export it again"
            )
        self.output = outputs[0]
        self.dtypes = {n: getattr(torch, np.dtype(trt.nptype(self.engine.get_tensor_dtype(n))).name) for n in names}
        self.profile = {n: [tuple(s) for s in self.engine.get_tensor_profile_shape(n, 0)] for n in self.input_names}

    def run(self, tensors: dict[str, torch.Tensor]) -> torch.Tensor:
        for name, tensor in tensors.items():
            low, _, high = self.profile[name]
            if not all(lo <= d <= hi for lo, d, hi in zip(low, tensor.shape, high, strict=True)):
                raise ZooError(
                    f"{self.source}: {name} has shape {tuple(tensor.shape)}; this engine was built for shapes from "
                    f"{low} to {high}: resize or split the input, or export it again with a larger max_batch / max_size"
                )
        device = next(iter(tensors.values())).device
        self.stream.wait_stream(torch.cuda.current_stream(self.gpu))  # inputs made on the caller's stream
        with torch.cuda.stream(self.stream):
            feeds = {n: t.detach().to(self.gpu, self.dtypes[n]).contiguous() for n, t in tensors.items()}
            for name, tensor in feeds.items():
                self.context.set_input_shape(name, tuple(tensor.shape))
                self.context.set_tensor_address(name, tensor.data_ptr())
            shape = tuple(self.context.get_tensor_shape(self.output))
            output = torch.empty(shape, dtype=self.dtypes[self.output], device=self.gpu)
            self.context.set_tensor_address(self.output, output.data_ptr())
            if not self.context.execute_async_v3(self.stream.cuda_stream):
                raise ZooError(f"{self.source}: TensorRT failed to run the engine (see its messages above)")
        self.stream.synchronize()  # the feeds may be freed, and the caller may read the output on any stream
        return output.to(device)
