"""``zoo.export``: a trained generator to a deployable artifact through an exporter plugin, and
the report every exporter returns (the artifact is verified against PyTorch before it is kept)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from zoo.errors import ZooError
from zoo.graph import GraphRuntime
from zoo.pipeline import Pipeline
from zoo.registry import Registry, get_registry


class ExportError(ZooError):
    """An export that failed, or whose artifact disagrees with PyTorch beyond its tolerance."""


class VerificationError(ExportError):
    """An artifact that disagrees with PyTorch beyond its tolerance: it is not written, and its
    report goes to ``<artifact>.rejected.json``."""

    def __init__(self, message: str, report: ExportReport):
        super().__init__(message)
        self.report = report


@dataclass
class Check:
    """How far an artifact's output is from PyTorch's (fp32, eval) on one size of random inputs."""

    size: tuple[int, int]
    max_abs: float
    mean_abs: float
    psnr_db: float


@dataclass
class ExportReport:
    """What an exporter made and how well it agrees with PyTorch; also written as JSON beside
    the artifact (``model.onnx`` -> ``model.onnx.json``) for model cards and benchmarks."""

    path: Path
    format: str
    precision: str
    test_mode: str
    checks: list[Check]
    max_abs_tolerance: float
    min_psnr_db: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.max_abs <= self.max_abs_tolerance and c.psnr_db >= self.min_psnr_db for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path), "passed": self.passed}

    def save(self) -> Path:
        path = self.path.with_name(self.path.name + (".json" if self.passed else ".rejected.json"))
        path.write_text(json.dumps(self.to_dict(), indent=2))
        return path

    def table(self) -> str:
        rows = [f"{c.size[1]}x{c.size[0]}: max |err| {c.max_abs:.2e}, mean {c.mean_abs:.2e}, PSNR {c.psnr_db:.1f} dB"
                for c in self.checks]  # fmt: skip
        limits = f"(tolerance: max |err| <= {self.max_abs_tolerance:g}, PSNR >= {self.min_psnr_db:g} dB)"
        return "\n".join([f"{self.format} {self.precision} vs PyTorch {limits}", *rows])


class Exporter:
    """Base of exporter plugins (registered through ``zoo_exporters``)."""

    suffix: ClassVar[str]
    """The artifact's file suffix (``.onnx``, ``.engine``)."""

    def export(self, pipeline: Pipeline, out: Path, **options: Any) -> ExportReport:
        """Write ``pipeline``'s generator to ``out``, verify it, and return the report; raise
        :class:`VerificationError` (leaving ``out`` as it was) when verification fails."""
        raise NotImplementedError


def export(
    model: Pipeline | str | Path,
    format: str = "onnx",
    out: str | Path | None = None,
    registry: Registry | None = None,
    **options: Any,
) -> ExportReport:
    """Export ``model`` (a pipeline, or anything :func:`zoo.load` takes) with the exporter named
    ``format`` (see ``zoo list exporter``); ``options`` go to it (``precision``, ``test_mode``...).
    The artifact goes to ``out`` (default: beside the model, or ``model.<suffix>``)."""
    from zoo.api import load

    registry = registry or get_registry()
    exporter: Exporter = registry.create("exporter", format)
    pipeline = model if isinstance(model, Pipeline) else load(model, device="cpu", registry=registry)
    if out is None:
        base = Path(model) if not isinstance(model, Pipeline) and Path(model).is_dir() else Path(".")
        precision = options.get("precision", "fp32")
        out = base / f"model{'' if precision == 'fp32' else '.' + precision}{exporter.suffix}"
    if any(isinstance(net, GraphRuntime) for net in pipeline.nets.values()):
        raise ExportError(f"{model} is already an exported graph: export the PyTorch model it came from")
    try:
        report = exporter.export(pipeline, Path(out), **options)
    except VerificationError as failed:
        failed.report.save()
        raise
    report.save()
    return report
