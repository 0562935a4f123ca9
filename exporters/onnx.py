"""``zoo export --onnx``: the generator through ``torch.onnx``'s current (dynamo) exporter, with
dynamic batch and spatial sizes where the family allows them, its configuration and size rules
in the model's metadata, and verification in ONNX Runtime at two sizes before it is kept."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import onnxruntime as ort
import torch
from torch.export import Dim

from zoo.errors import ZooError
from zoo.export import Exporter, ExportError, ExportReport, VerificationError
from zoo.graph import GraphSpec
from zoo.pipeline import Pipeline

from .calibrate import calibration_inputs
from .prepare import Precision, TestMode, for_export
from .verify import TOLERANCES, compare

OPSET = 18
LARGE = 2 * 1024**3 - 64 * 1024**2
"""Protobuf's 2 GB limit, less headroom for the graph: above it weights go to a side file."""


class OnnxExporter(Exporter):
    """ONNX models in fp32, fp16 (normalization kept in fp32) or int8 (static QDQ quantization
    calibrated on the model's data set)."""

    suffix = ".onnx"

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
    ) -> ExportReport:
        spec = pipeline.graph_spec()
        started = time.perf_counter()
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".zoo-export-") as folder:
            work = Path(folder) / out.name  # the artifact replaces ``out`` only once verified
            report = self._export(pipeline, spec, work, precision, test_mode, opset, calibration, max_abs, min_psnr)
            report.details["seconds"] = time.perf_counter() - started
            report.path = out
            if not report.passed:
                raise VerificationError(f"{out} was not written: it disagrees with PyTorch\n{report.table()}", report)
            for made in Path(folder).iterdir():  # the model, and its weights file if over 2 GB
                os.replace(made, out.parent / made.name)
        return report

    def _export(
        self,
        pipeline: Pipeline,
        spec: GraphSpec,
        out: Path,
        precision: Precision,
        test_mode: TestMode,
        opset: int,
        calibration: int,
        max_abs: float | None,
        min_psnr: float | None,
    ) -> ExportReport:
        reference = for_export(spec.module, test_mode)
        if precision == "int8":
            inputs = calibration_inputs(pipeline, spec, calibration)  # first: without data, fail before exporting
            with tempfile.TemporaryDirectory() as folder:
                fp32 = write_onnx(reference, spec, Path(folder) / "fp32.onnx", pipeline, test_mode, "fp32", opset)
                quantize(fp32, out, inputs)
        else:
            write_onnx(for_export(spec.module, test_mode, precision), spec, out, pipeline, test_mode, precision, opset)
        session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]

        def run(inputs: list) -> torch.Tensor:
            return torch.from_numpy(session.run(None, dict(zip(names, inputs, strict=True)))[0])

        checks = compare(spec, reference, run)
        default_abs, default_psnr = TOLERANCES[precision]
        return ExportReport(
            out,
            "onnx",
            precision,
            test_mode,
            checks,
            default_abs if max_abs is None else max_abs,
            default_psnr if min_psnr is None else min_psnr,
            {"opset": opset, "onnxruntime": ort.__version__, "torch": torch.__version__, "bytes": out.stat().st_size},
        )


def write_onnx(
    module: torch.nn.Module,
    spec: GraphSpec,
    path: Path,
    pipeline: Pipeline,
    test_mode: str,
    precision: str,
    opset: int = OPSET,
) -> Path:
    """Trace ``module`` (prepared from ``spec``) to ``path``, one file unless over 2 GB."""
    example = spec.example(2, spec.trace_size())
    try:
        program = torch.onnx.export(
            Positional(module).eval(),
            example,
            dynamo=True,
            input_names=[i.name for i in spec.inputs],
            output_names=["output"],
            dynamic_shapes=(dynamic_shapes(spec),),
            opset_version=opset,
            verbose=False,
        )
    except Exception as exc:
        raise ExportError(f"torch.onnx could not export the {pipeline.config.arch} generator: {exc}") from exc
    program.model.metadata_props.update(metadata(spec, pipeline, test_mode, precision))
    large = sum(p.numel() * p.element_size() for p in module.parameters()) > LARGE
    program.save(str(path), external_data=large)
    return path


class Positional(torch.nn.Module):
    """``module`` called with the graph's inputs as positional arguments, whatever it names them,
    so that one rule gives every graph its dynamic shapes."""

    def __init__(self, module: torch.nn.Module):
        super().__init__()
        self.module = module

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        return self.module(*inputs)


def dynamic_shapes(spec: GraphSpec) -> tuple[dict[int, Any], ...]:
    """Batch dynamic everywhere; height and width as multiples of ``spec.multiple``."""
    batch = Dim("batch", min=1, max=4096)
    dims: dict[str, Any] = {"N": batch}
    if spec.multiple is not None:
        top = 16384 // spec.multiple
        dims["H"] = spec.multiple * Dim("h", min=1, max=top)
        dims["W"] = spec.multiple * Dim("w", min=1, max=top)
    return tuple({axis: dims[d] for axis, d in enumerate(i.shape) if d in dims} for i in spec.inputs)


def metadata(spec: GraphSpec, pipeline: Pipeline, test_mode: str, precision: str) -> dict[str, str]:
    """What ``zoo.load`` needs to rebuild the pipeline around the graph, and what it checks."""
    return {
        "zoo.config": json.dumps(pipeline.config.to_dict()),
        "zoo.graph": json.dumps(spec.describe()),
        "zoo.precision": precision,
        "zoo.test_mode": test_mode,
        "zoo.provenance": json.dumps(pipeline.provenance),
    }


def quantize(fp32: Path, out: Path, inputs: list[dict[str, Any]]) -> None:
    """Static int8 quantization (QDQ, per-channel weights, zero points 0) with activation ranges
    from ``inputs``."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(inputs)

        def get_next(self) -> dict[str, Any] | None:
            return next(self.items, None)

    if not inputs:
        raise ZooError("int8 calibration got no inputs")
    quantize_static(  # symmetric signed int8 throughout: the only int8 TensorRT accepts
        str(fp32),
        str(out),
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
    )
