"""``zoo export --trt``: a TensorRT engine built from the verified ONNX model, with an optimization
profile over the dynamic batch and sizes, a persisted timing cache, and the precision the ONNX
graph carries (strong typing); then run on fresh inputs and compared with PyTorch, as the ONNX
model is, before it is kept."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from types import ModuleType

import onnx
import torch

from zoo.export import Exporter, ExportError, ExportReport, VerificationError
from zoo.graph import GraphSpec
from zoo.pipeline import Pipeline

from .onnx import OPSET, OnnxExporter
from .prepare import Precision, TestMode, for_export
from .runtime import TensorRTGraph, engine_metadata, import_tensorrt
from .verify import compare

Shape = tuple[int, ...]


class TensorRTExporter(Exporter):
    """TensorRT engines in fp32, fp16 or int8: the ONNX exporter's model of that precision (int8:
    its QDQ model), built strongly typed so TensorRT keeps the types the graph was verified in."""

    suffix = ".engine"

    def export(
        self,
        pipeline: Pipeline,
        out: Path,
        precision: Precision = "fp32",
        test_mode: TestMode = "eval",
        opset: int = OPSET,
        calibration: int = 16,
        max_abs: float | None = None,
        min_psnr: float | None = None,
        workspace_gb: float = 4.0,
        timing_cache: str | Path | None = None,
        max_batch: int = 8,
        max_size: int = 1024,
    ) -> ExportReport:
        """``timing_cache``: the file that keeps TensorRT's kernel timings between builds (default
        ``<out>.timing.cache``; share one across exports to build faster). ``max_batch`` and
        ``max_size`` (pixels per side) bound the inputs the engine takes where sizes are dynamic."""
        trt = import_tensorrt("TensorRT export", ExportError)
        started = time.perf_counter()
        spec = pipeline.graph_spec()
        out.parent.mkdir(parents=True, exist_ok=True)
        cache = Path(timing_cache) if timing_cache is not None else out.with_name(out.name + ".timing.cache")
        profile = profile_shapes(spec, max_batch, max_size)
        with tempfile.TemporaryDirectory() as folder:
            model = Path(folder) / "model.onnx"
            try:
                verified = OnnxExporter().export(
                    pipeline, model, precision=precision, test_mode=test_mode, opset=opset,
                    calibration=calibration, max_abs=max_abs, min_psnr=min_psnr,
                )  # fmt: skip
            except ExportError as exc:
                raise ExportError(f"no TensorRT engine: the ONNX model it is built from failed. {exc}") from None
            strongly_typed = build_engine(trt, model, out, profile, precision, workspace_gb, cache)
            metadata = {p.key: p.value for p in onnx.load(str(model), load_external_data=False).metadata_props}
        meta_path = engine_metadata(out)
        meta_path.write_text(json.dumps({k: v for k, v in metadata.items() if k.startswith("zoo.")}, indent=2))
        graph = TensorRTGraph(out)
        checks = compare(
            spec,
            for_export(spec.module, test_mode),
            lambda xs: graph(*(torch.from_numpy(x) for x in xs)),
            batch=min(2, max_batch),
        )
        report = ExportReport(
            out,
            "tensorrt",
            precision,
            test_mode,
            checks,
            verified.max_abs_tolerance,
            verified.min_psnr_db,
            {"tensorrt": trt.__version__, "torch": torch.__version__, "gpu": torch.cuda.get_device_name(graph.gpu),
             "strongly_typed": strongly_typed, "profile": profile, "timing_cache": str(cache),
             "onnx": verified.details | {"checks": verified.checks},
             "seconds": time.perf_counter() - started, "bytes": out.stat().st_size},
        )  # fmt: skip
        if not report.passed:
            out.unlink()
            meta_path.unlink()
            raise VerificationError(f"{out} was not kept: it disagrees with PyTorch\n{report.table()}", report)
        return report


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
) -> bool:
    """Build ``model`` into the engine file ``out``; returns whether the network was strongly typed.

    Strongly typed, TensorRT runs each layer in the type the ONNX graph gives it (TensorRT 11
    knows nothing else). A TensorRT without strong typing gets the precision as a builder flag.
    TF32 is off: fp32 layers are judged by fp32 tolerances, which TF32's 10-bit mantissas can exceed."""
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    strong = getattr(trt.NetworkDefinitionCreationFlag, "STRONGLY_TYPED", None)
    network = builder.create_network(0 if strong is None else 1 << int(strong))
    parser = trt.OnnxParser(network, logger)
    if not parser.parse_from_file(str(model)):  # from the file, so that weights stored beside it are found
        errors = "\n".join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ExportError(f"TensorRT {trt.__version__} cannot read the {precision} ONNX model:\n{errors}")
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(workspace_gb * 1024**3))
    config.clear_flag(trt.BuilderFlag.TF32)
    if strong is None and precision != "fp32":
        config.set_flag(getattr(trt.BuilderFlag, precision.upper()))
    optimization = builder.create_optimization_profile()
    for name, (low, opt, high) in profile.items():
        optimization.set_shape(name, low, opt, high)
    config.add_optimization_profile(optimization)
    timings = config.create_timing_cache(cache.read_bytes() if cache.is_file() else b"")
    config.set_timing_cache(timings, ignore_mismatch=False)
    engine = builder.build_serialized_network(network, config)
    if engine is None:
        raise ExportError(f"TensorRT {trt.__version__} could not build the {precision} engine (see its messages above)")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(config.get_timing_cache().serialize())
    out.write_bytes(engine)
    return strong is not None
