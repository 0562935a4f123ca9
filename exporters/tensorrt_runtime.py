"""A TensorRT engine called like the generator it was built from, and what running one needs:
the ``tensorrt`` package and a CUDA GPU, found or reported before any work starts.

Written against the documented TensorRT 10/11 Python API (named I/O tensors, ``execute_async_v3``);
no GPU was at hand where it was written, so only the logic around TensorRT is tested (with a
stand-in module) and the engine tests skip where ``tensorrt`` or CUDA is missing."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from zoo.errors import CheckpointError, ZooError
from zoo.graph import GraphRuntime

TENSORRT_INSTALL = 'pip install "zoo-gan[tensorrt]"'


def tensorrt_missing() -> str | None:
    """What TensorRT needs that this machine lacks, with how to get it, in a few words (``zoo
    bench`` shows it in a line of its table): ``the tensorrt package (pip install ...)``, ``a
    CUDA GPU, which PyTorch does not see``; None if nothing."""
    missing = []
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        missing.append(f"the tensorrt package ({TENSORRT_INSTALL})")
    except OSError as exc:  # the package is there but its CUDA libraries are not
        missing.append(f"a tensorrt package that loads ({exc}; reinstall: {TENSORRT_INSTALL})")
    if not torch.cuda.is_available():
        missing.append("a CUDA GPU, which PyTorch does not see")
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


TORCH_DTYPES = {
    "FLOAT": torch.float32,
    "HALF": torch.float16,
    "BF16": torch.bfloat16,
    "FP8": torch.float8_e4m3fn,
    "INT8": torch.int8,
    "UINT8": torch.uint8,
    "INT32": torch.int32,
    "INT64": torch.int64,
    "BOOL": torch.bool,
}
"""TensorRT's tensor types (``trt.DataType`` names) as torch's; numpy, which ``trt.nptype`` maps
to, has neither bfloat16 nor fp8."""


def torch_dtype(trt_dtype: Any, name: str, source: str) -> torch.dtype:
    """The torch type of an engine tensor, or a clear refusal of one zoo cannot feed or read."""
    kind = getattr(trt_dtype, "name", str(trt_dtype))
    if kind not in TORCH_DTYPES:
        raise CheckpointError(
            f"{source}: the engine's tensor {name} has type {kind}, which zoo cannot feed or read "
            f"(it handles {', '.join(TORCH_DTYPES)}); export the engine again with zoo export --trt"
        )
    return TORCH_DTYPES[kind]


class TensorRTGraph(GraphRuntime):
    """A TensorRT engine called like the generator it was built from. It runs on ``device`` (a
    GPU), on the caller's current CUDA stream, so its output is ordered with whatever the caller
    does next; inputs outside the engine's optimization profile (the batch and sizes it was built
    for) fail clearly instead of inside TensorRT. One execution context: one call at a time."""

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
        names = [self.engine.get_tensor_name(i) for i in range(self.engine.num_io_tensors)]
        outputs = [n for n in names if self.engine.get_tensor_mode(n) == trt.TensorIOMode.OUTPUT]
        if len(outputs) != 1 or set(names) - set(outputs) != set(self.input_names):
            raise CheckpointError(
                f"{path}: the engine's tensors {names} do not match {meta_path.name}; export it again"
            )
        self.output = outputs[0]
        self.dtypes = {n: torch_dtype(self.engine.get_tensor_dtype(n), n, str(path)) for n in names}
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
        with torch.cuda.device(self.gpu):  # the engine's GPU, whichever is current for the caller
            stream = torch.cuda.current_stream(self.gpu)  # the caller's: inputs are ready on it, outputs used on it
            feeds = {n: t.detach().to(self.gpu, self.dtypes[n]).contiguous() for n, t in tensors.items()}
            bind_inputs(self.context, feeds, self.source)
            shape = tuple(self.context.get_tensor_shape(self.output))
            output = torch.empty(shape, dtype=self.dtypes[self.output], device=self.gpu)
            self.context.set_tensor_address(self.output, output.data_ptr())
            if not self.context.execute_async_v3(stream.cuda_stream):
                raise ZooError(f"{self.source}: TensorRT failed to run the engine (see its messages above)")
        return output.to(device)  # the feeds stay alive until here; on the GPU, later work is ordered after


def bind_inputs(context: Any, feeds: dict[str, torch.Tensor], source: str) -> None:
    """Give the execution context each input's shape and memory; a shape TensorRT refuses (its
    ``set_input_shape`` returns False) fails here, naming the input, not as garbage later."""
    for name, tensor in feeds.items():
        if not context.set_input_shape(name, tuple(tensor.shape)):
            raise ZooError(f"{source}: TensorRT refuses input {name} of shape {tuple(tensor.shape)}; see its messages")
        context.set_tensor_address(name, tensor.data_ptr())
