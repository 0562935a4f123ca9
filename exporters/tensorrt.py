"""``zoo export --trt``: a TensorRT engine built from the verified ONNX model, with an optimization
profile over the dynamic batch and sizes, a persisted timing cache, and the precision the ONNX
graph carries (strong typing); then run on fresh inputs and compared with PyTorch, as the ONNX
model is, before it is kept."""

import json
import tempfile
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any

import torch
from pydantic import Field

from zoo.exporting.artifact import pipeline_around
from zoo.exporting.export import staged
from zoo.exporting.exporter import Exporter, ExportError, ExportReport, VerificationError
from zoo.exporting.prepare import for_export
from zoo.exporting.verify import compare
from zoo.files import write_atomic
from zoo.graph import GraphSpec
from zoo.inference import InferencePipeline
from zoo.registry import Registry

from .onnx import OnnxExporter, OnnxOptions
from .onnx_runtime import read_metadata
from .tensorrt_runtime import TensorRTGraph, engine_metadata, import_tensorrt, tensorrt_missing

Shape = tuple[int, ...]


@dataclass
class TensorRTExporter(Exporter, OnnxOptions):
    """TensorRT engines in fp32, fp16 or int8: the ONNX exporter's model of that precision (int8:
    its QDQ model), built strongly typed so TensorRT keeps the types the graph was verified in."""

    suffixes = (".engine", ".plan")
    shortcut = "trt"
    companions = (".meta.json",)  # engines carry no metadata: zoo's goes beside them
    stale = tuple(
        f"*{suffix}{ending}"
        for suffix in suffixes
        for ending in ("", ".json", ".rejected.json", ".meta.json", ".timing.cache")
    )

    workspace_gb: Annotated[float, Field(gt=0, description="TensorRT's workspace memory, in GB")] = 4.0
    timing_cache: Annotated[
        Path | None,
        Field(description="file keeping TensorRT's kernel timings between builds (default <out>.timing.cache)"),
    ] = None
    max_batch: Annotated[int, Field(ge=1, description="largest batch the engine takes")] = 8
    max_size: Annotated[int, Field(ge=1, description="largest side in pixels, where sizes are dynamic")] = 1024

    def artifact_name(self) -> str:
        return OnnxExporter(**self.onnx_options()).artifact_name().removesuffix(".onnx") + ".engine"

    def export(self, pipeline: InferencePipeline, out: Path, registry: Registry) -> ExportReport:
        trt = import_tensorrt("TensorRT export", ExportError)
        started = time.perf_counter()
        spec = pipeline.graph_spec()
        cache = Path(self.timing_cache) if self.timing_cache is not None else out.with_name(out.name + ".timing.cache")
        profile = profile_shapes(spec, self.max_batch, self.max_size)
        with tempfile.TemporaryDirectory() as folder, staged(out) as work:  # the engine replaces `out` once verified
            model = Path(folder) / "model.onnx"
            try:
                verified = OnnxExporter(**self.onnx_options()).export(pipeline, model, registry)
            except ExportError as exc:
                raise ExportError(f"no TensorRT engine: the ONNX model it is built from failed. {exc}") from None
            build_engine(trt, model, work, profile, self.precision, self.workspace_gb, cache)
            metadata = {k: v for k, v in read_metadata(model).items() if k.startswith("zoo.")}
            engine_metadata(work).write_text(json.dumps(metadata, indent=2))
            graph = TensorRTGraph(work)
            checks = compare(
                spec,
                for_export(spec.module, self.test_mode),
                lambda xs: graph(*(torch.from_numpy(x) for x in xs)),
                batch=min(2, self.max_batch),
            )
            details = {
                "tensorrt": trt.__version__, "torch": torch.__version__,
                "verified_on": torch.cuda.get_device_name(graph.gpu), "profile": profile, "timing_cache": str(cache),
                "onnx": verified.details | {"checks": verified.checks},
                "seconds": time.perf_counter() - started, "bytes": work.stat().st_size,
            }  # fmt: skip
            report = ExportReport(out, self.precision, self.test_mode, checks, *self.limits(), details)
            if not report.passed:
                raise VerificationError(f"{out} was not written: it disagrees with PyTorch\n{report.table()}", report)
        return report

    @classmethod
    def load(cls, path: Path, device: str | torch.device | None, registry: Registry) -> InferencePipeline:
        """The family pipeline around the engine, on the GPU unless ``device`` says otherwise (the
        engine runs on a GPU either way)."""
        graph = TensorRTGraph(path, device or "cuda")
        return pipeline_around(graph, graph.metadata, path, device or graph.gpu, registry)

    @classmethod
    def bench_variants(cls) -> dict[str, dict[str, Any]]:
        return {f"tensorrt {precision}": {"precision": precision} for precision in ("fp32", "fp16")}

    @classmethod
    def unavailable(cls) -> str | None:
        return tensorrt_missing()

    @classmethod
    def environment(cls) -> dict[str, Any]:
        try:
            return {"tensorrt": metadata.version("tensorrt")}
        except metadata.PackageNotFoundError:
            return {"tensorrt": None}


def profile_shapes(spec: GraphSpec, max_batch: int, max_size: int) -> dict[str, tuple[Shape, Shape, Shape]]:
    """Each input's (min, opt, max) shape. Batch 1 to ``max_batch``, opt 1. Dynamic sizes go from
    the smallest test size (verified, and large enough that no inner map is degenerate) through
    the trace size (opt) up to ``max_size`` (at least the trace size); a fixed-size graph has
    its size throughout."""
    if spec.multiple is None:
        low = opt = high = spec.size  # type: ignore[assignment]
    else:
        low, opt = spec.test_sizes()[0], spec.trace_size()
        side = max(spec.multiple * (max_size // spec.multiple), *opt)
        high = (side, side)
    return {i.name: (i.concrete(1, *low), i.concrete(1, *opt), i.concrete(max_batch, *high)) for i in spec.inputs}


def build_engine(
    trt: ModuleType,
    model: Path,
    out: Path,
    profile: dict[str, tuple[Shape, Shape, Shape]],
    precision: str,
    workspace_gb: float,
    cache: Path,
) -> None:
    """Build ``model`` into the engine file ``out``, strongly typed: TensorRT runs each layer in the
    type the ONNX graph gives it, the types it was verified in (TensorRT 10 needs the flag; 11
    accepts and ignores it, every network being strongly typed). TF32 is off: fp32 layers are
    judged by fp32 tolerances, which TF32's 10-bit mantissas can exceed. The timing cache is read
    (unless another TensorRT or GPU made it) and written back atomically."""
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    network = builder.create_network(1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED))
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(model)):  # from the file, so that weights stored beside it are found
        errors = "\n".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ExportError(f"TensorRT {trt.__version__} cannot read the {precision} ONNX model:\n{errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gb * 1024**3))
    config.clear_flag(trt.BuilderFlag.TF32)
    optimization = builder.create_optimization_profile()
    for name, (low, opt, high) in profile.items():
        optimization.set_shape(name, low, opt, high)
    config.add_optimization_profile(optimization)
    timings = use_timing_cache(trt, config, cache)  # held: TensorRT does not own it, and the build updates it
    engine = builder.build_serialized_network(network, config)
    if engine is None:
        raise ExportError(f"TensorRT {trt.__version__} could not build the {precision} engine (see its messages above)")
    write_atomic(cache, bytes(timings.serialize()))
    out.write_bytes(engine)


def use_timing_cache(trt: ModuleType, config: Any, cache: Path) -> Any:
    """Give the build the kernel timings in ``cache``, and return the cache object, which must live
    until the build is done. A cache that another TensorRT version or GPU wrote does not fit
    (``set_timing_cache`` refuses it) and an unreadable one cannot be used: either is discarded,
    with a message, and rebuilt from scratch."""
    blob = cache.read_bytes() if cache.is_file() else b""
    timings = _timing_cache(config, blob)
    if timings is not None and config.set_timing_cache(timings, ignore_mismatch=False):
        return timings
    warnings.warn(f"{cache}: unreadable, or made by another TensorRT version or GPU; ignored and rebuilt", stacklevel=2)
    timings = config.create_timing_cache(b"")
    if not config.set_timing_cache(timings, ignore_mismatch=False):
        raise ExportError(f"TensorRT {trt.__version__} refuses even an empty timing cache")
    return timings


def _timing_cache(config: Any, blob: bytes) -> Any:
    """TensorRT's timing cache from ``blob``, or None where it cannot read it."""
    try:
        return config.create_timing_cache(blob)
    except (RuntimeError, TypeError, ValueError):
        return None
