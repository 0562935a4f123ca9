"""``zoo export --format onnx``: the generator through ``torch.onnx``'s current (dynamo) exporter,
with dynamic batch and spatial sizes where the family allows them, its configuration and size
rules in the model's metadata, and verification in ONNX Runtime at two sizes before it is kept.

ONNX and ONNX Runtime are imported when an export or a load needs them, not when the exporter is
listed."""

import contextlib
import json
import logging
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import torch
from pydantic import Field

from zoo.errors import ZooError
from zoo.exporting.artifact import artifact_metadata, pipeline_around
from zoo.exporting.export import staged
from zoo.exporting.exporter import Exporter, ExportError, ExportReport, VerificationError
from zoo.exporting.prepare import Positional, PrecisionOption, TestModeOption, dynamic_shapes, for_export
from zoo.exporting.verify import MaxAbsOption, MinPsnrOption, compare, tolerances
from zoo.graph import GraphSpec
from zoo.inference import InferencePipeline
from zoo.registry import Registry

from .calibrate import calibration_inputs
from .onnx_runtime import PROVIDERS_KEY, OnnxGraph, load_provider, read_metadata, verification_providers

OPSET = 18


@dataclass
class OnnxOptions:
    """How the ONNX graph is made and judged: the options of the ONNX exporter, and of the
    exporters that build on its graph."""

    precision: PrecisionOption = "fp32"
    test_mode: TestModeOption = "eval"
    opset: Annotated[int, Field(ge=18, description="ONNX opset of the graph")] = OPSET
    calibration: Annotated[int, Field(ge=1, description="int8: how many data-set images calibrate")] = 16
    max_abs: MaxAbsOption = None
    min_psnr: MinPsnrOption = None

    def limits(self) -> tuple[float, float]:
        """The largest absolute error and the lowest PSNR a check must meet."""
        return tolerances(self.precision, self.max_abs, self.min_psnr)

    def onnx_options(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(OnnxOptions)}


@dataclass
class OnnxExporter(Exporter, OnnxOptions):
    """ONNX models for ONNX Runtime, in fp32, fp16 (normalization kept in fp32) or int8 (static
    QDQ quantization calibrated on the model's data set)."""

    suffixes = (".onnx",)
    shortcut = "onnx"
    default = True
    companions = (".data",)  # the weights of a model over 2 GB

    provider: Annotated[
        str | None,
        Field(description="ONNX Runtime execution provider to verify on besides the CPU (default: the first here)"),
    ] = None

    def artifact_name(self) -> str:
        return f"model{'' if self.precision == 'fp32' else '.' + self.precision}.onnx"

    def export(self, pipeline: InferencePipeline, out: Path, registry: Registry) -> ExportReport:
        spec = pipeline.graph_spec()
        started = time.perf_counter()
        with staged(out) as work:
            report = self._export(pipeline, spec, work, registry)
            report.details["seconds"] = time.perf_counter() - started
            report.path = out
            if not report.passed:
                raise VerificationError(f"{out} was not written: it disagrees with PyTorch\n{report.table()}", report)
        return report

    def _export(self, pipeline: InferencePipeline, spec: GraphSpec, out: Path, registry: Registry) -> ExportReport:
        import onnxruntime as ort

        providers = verification_providers(self.provider)
        reference = for_export(spec.module, self.test_mode)
        if self.precision == "int8":
            # first: without data, fail before exporting
            inputs = calibration_inputs(pipeline, spec, registry, self.calibration)
            with tempfile.TemporaryDirectory() as folder:
                fp32 = self.write(reference, spec, Path(folder) / "fp32.onnx", pipeline, "fp32", providers)
                quantize(fp32, out, inputs)
        else:
            prepared = for_export(spec.module, self.test_mode, self.precision)
            self.write(prepared, spec, out, pipeline, self.precision, providers)
        checks = []
        for provider in providers:  # each as zoo.load will run it
            run = partial(run_numpy, OnnxGraph(out, provider))
            checks += [replace(check, on=provider) for check in compare(spec, reference, run)]
        details = {"opset": self.opset, "onnxruntime": ort.__version__, "torch": torch.__version__,
                   "verified_on": ", ".join(providers)}  # fmt: skip
        details["bytes"] = out.stat().st_size
        return ExportReport(out, self.precision, self.test_mode, checks, *self.limits(), details)

    def write(
        self,
        module: torch.nn.Module,
        spec: GraphSpec,
        path: Path,
        pipeline: InferencePipeline,
        precision: str,
        providers: list[str],
    ) -> Path:
        """Trace ``module`` (prepared from ``spec``) to ``path`` with zoo's metadata; the weights go
        to a side file where ``ONNXProgram.save`` finds the model over protobuf's 2 GB."""
        example = spec.example(2, spec.trace_size())
        try:
            program = torch.onnx.export(
                Positional(module).eval(),
                example,
                dynamo=True,
                input_names=[i.name for i in spec.inputs],
                output_names=["output"],
                dynamic_shapes=(dynamic_shapes(spec),),
                opset_version=self.opset,
                verbose=False,
            )
        except Exception as exc:
            raise ExportError(f"torch.onnx could not export the {pipeline.config.arch} generator: {exc}") from exc
        metadata = artifact_metadata(spec, pipeline, self.test_mode, precision)
        program.model.metadata_props.update({**metadata, PROVIDERS_KEY: json.dumps(providers)})
        program.save(str(path))  # counts every initializer, buffers included, against the 2 GB limit
        return path

    @classmethod
    def load(cls, path: Path, device: str | torch.device | None, registry: Registry) -> InferencePipeline:
        """The family pipeline around the ONNX model, run by ONNX Runtime on a provider it was
        verified on."""
        wanted = None if device is None else torch.device(device).type
        graph = OnnxGraph(path, load_provider(path, read_metadata(path), wanted))
        return pipeline_around(graph, graph.metadata, path, device or "cpu", registry)

    @classmethod
    def bench_variants(cls) -> dict[str, dict[str, Any]]:
        return {f"onnxruntime {precision}": {"precision": precision} for precision in ("fp32", "fp16", "int8")}

    @classmethod
    def environment(cls) -> dict[str, Any]:
        import onnxruntime as ort

        return {"onnxruntime": ort.__version__, "onnxruntime_providers": ort.get_available_providers()}


def run_numpy(graph: OnnxGraph, inputs: list[Any]) -> torch.Tensor:
    """``graph`` on the numpy inputs verification draws."""
    return graph(*(torch.from_numpy(x) for x in inputs))


def quantize(fp32: Path, out: Path, inputs: list[dict[str, Any]]) -> None:
    """Static int8 quantization (QDQ, per-channel weights, zero points 0) with activation ranges
    from ``inputs``, after ONNX Runtime's pre-processing (shape inference and graph optimization,
    which its quantizer expects)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.items = iter(inputs)

        def get_next(self) -> dict[str, Any] | None:
            return next(self.items, None)

    if not inputs:
        raise ZooError("int8 calibration got no inputs")
    prepared = fp32.with_name("prepared.onnx")
    large = fp32.with_name(fp32.name + ".data").is_file()  # the weights of a model over 2 GB stay beside it
    with quiet_quantizer():
        # its symbolic shape pass fails on dynamic sizes; ONNX's own shape inference does the job
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True, save_as_external_data=large)
        quantize_static(  # symmetric signed int8 throughout: the only int8 TensorRT accepts
            str(prepared),
            str(out),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QInt8,
            weight_type=QuantType.QInt8,
            extra_options={"ActivationSymmetric": True, "WeightSymmetric": True},
        )


QUANTIZER_NOISE = (
    "consider to run pre-processing before quantization",  # before and after, where its mark is lost:
    "consider pre-processing before quantization",  # quantize() runs the pre-processing itself
    "is out-of-range for weight",  # a 1-D weight (a bias, a norm's scale): quantized per tensor instead
)
"""What ONNX Runtime's quantizer logs that asks nothing of the user."""


@contextlib.contextmanager
def quiet_quantizer() -> Iterator[None]:
    """ONNX Runtime's quantizer warns through the root logger: its advice to pre-process (given
    twice a model, though ``quantize`` pre-processes) and a line a weight that is quantized per
    tensor are dropped; any other warning is shown once."""
    seen: set[str] = set()

    def keep(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(noise in message for noise in QUANTIZER_NOISE) or message in seen:
            return False
        seen.add(message)
        return True

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield
    finally:
        root.removeFilter(keep)
