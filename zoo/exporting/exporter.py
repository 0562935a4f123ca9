"""The exporter contract: what a plugin declares and implements for a deployment format, and the
report every export returns (the artifact is verified against PyTorch before it is kept).

Cheap to import (no torch): ``zoo list`` and the command line read the declarations."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from zoo.errors import ZooError
from zoo.files import write_atomic

if TYPE_CHECKING:
    import torch

    from zoo.inference import InferencePipeline
    from zoo.registry import Registry


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
    """How far an artifact's output is from PyTorch's (fp32, eval) on one size of random inputs;
    where it cannot be measured (another shape, values that are not finite) the numbers are None
    and ``error`` says why."""

    size: tuple[int, int]
    max_abs: float | None
    mean_abs: float | None
    psnr_db: float | None
    error: str | None = None
    on: str = ""
    """Where the artifact ran, when an exporter checks it on several runtimes or devices."""

    def within(self, max_abs: float, min_psnr: float) -> bool:
        return self.error is None and self.max_abs <= max_abs and self.psnr_db >= min_psnr  # type: ignore[operator]

    def line(self) -> str:
        where = f"{self.size[1]}x{self.size[0]}" + (f" on {self.on}" if self.on else "")
        if self.error is not None:
            return f"{where}: {self.error}"
        return f"{where}: max |err| {self.max_abs:.2e}, mean {self.mean_abs:.2e}, PSNR {self.psnr_db:.1f} dB"


@dataclass
class ExportReport:
    """What an exporter made and how well it agrees with PyTorch; also written as JSON beside
    the artifact (``model.pt2`` -> ``model.pt2.json``) for model cards and benchmarks.
    ``format`` is the exporter's registered name (filled in by :func:`zoo.export`)."""

    path: Path
    precision: str
    test_mode: str
    checks: list[Check]
    max_abs_tolerance: float
    min_psnr_db: float
    details: dict[str, Any] = field(default_factory=dict)
    format: str = ""

    @property
    def passed(self) -> bool:
        return all(c.within(self.max_abs_tolerance, self.min_psnr_db) for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path), "passed": self.passed}

    def save(self) -> Path:
        """Write the report as strict JSON (no NaN or Infinity) beside the artifact, atomically."""
        path = self.path.with_name(self.path.name + (".json" if self.passed else ".rejected.json"))
        return write_atomic(path, json.dumps(self.to_dict(), indent=2, allow_nan=False, default=str))

    def table(self) -> str:
        limits = f"(tolerance: max |err| <= {self.max_abs_tolerance:g}, PSNR >= {self.min_psnr_db:g} dB)"
        where = f" on {self.details['verified_on']}" if self.details.get("verified_on") else ""
        return "\n".join(
            [f"{self.format} {self.precision}{where} vs PyTorch {limits}", *(c.line() for c in self.checks)]
        )


class Exporter:
    """Base of exporter plugins (registered through ``zoo_exporters``): one deployment format.

    A subclass declares, as class attributes:

    - ``suffixes``: the file suffixes of its artifacts (``(".pt2",)``). ``zoo.load(path)`` picks
      the exporter of a file by them; the first one names the default artifact.
    - ``shortcut``: optionally a command-line flag standing for ``--format NAME`` (``"pt2"``
      gives ``zoo export --pt2``); ``default``: whether ``zoo export`` uses this format when none
      is named (the first registered such exporter; the built-ins register first).
    - ``companions``: endings of the files an artifact needs beside it (``".data"``: the
      weights of ``model.onnx`` in ``model.onnx.data``), which travel with it.
    - ``reports``: glob patterns of the report files it leaves beside an artifact (default:
      ``*<suffix>.json``, the :class:`ExportReport` zoo writes). Model cards list them and
      ``zoo push`` uploads them.
    - ``stale``: glob patterns of files an earlier push may have left that a push of new weights
      makes untrue (default: its artifacts and reports), removed by ``zoo push``.

    Its options are the keyword parameters of ``__init__``, typed and documented with
    ``Annotated[type, Field(description=...)]``: ``zoo.export(..., **options)``, ``zoo export
    --OPTION`` and its ``--help`` take them from there. It implements :meth:`export` and
    :meth:`load`, and may refine :meth:`artifact_name`, :meth:`bench_variants`,
    :meth:`unavailable` and :meth:`environment`.
    """

    suffixes: ClassVar[tuple[str, ...]] = ()
    shortcut: ClassVar[str | None] = None
    default: ClassVar[bool] = False
    companions: ClassVar[tuple[str, ...]] = ()
    reports: ClassVar[tuple[str, ...]] = ()
    stale: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "reports" not in cls.__dict__:
            cls.reports = tuple(f"*{suffix}.json" for suffix in cls.suffixes)
        if "stale" not in cls.__dict__:
            rejected = tuple(f"*{suffix}.rejected.json" for suffix in cls.suffixes)
            made = (f"*{suffix}{ending}" for suffix in cls.suffixes for ending in ("", *cls.companions))
            cls.stale = (*made, *cls.reports, *rejected)

    def artifact_name(self) -> str:
        """The artifact's file name when none is given (``model.pt2``; options may add to it)."""
        return "model" + self.suffixes[0]

    def export(self, pipeline: InferencePipeline, out: Path, registry: Registry) -> ExportReport:
        """Write ``pipeline``'s generator to ``out``, verify it and return the report; raise
        :class:`VerificationError` (leaving ``out`` as it was) when verification fails.
        ``registry`` serves what the export needs besides the model (a data set to calibrate on)."""
        raise NotImplementedError

    @classmethod
    def load(cls, path: Path, device: str | torch.device | None, registry: Registry) -> InferencePipeline:
        """The family's pipeline with the artifact at ``path`` standing in for its generator."""
        raise NotImplementedError

    @classmethod
    def bench_variants(cls) -> dict[str, dict[str, Any]]:
        """What ``zoo bench`` times for this format: ``{row name: options}``, one row each (the
        runtime and variant, say ``"torch.export fp16"``); by default one row, named after the
        exporter, with the default options."""
        return {"": {}}

    @classmethod
    def unavailable(cls) -> str | None:
        """What this machine lacks to make or run the format, and how to get it (``"the foo
        package: pip install foo"``), or None. Exports and loads fail with it at once, and
        ``zoo bench`` shows it once, as ``needs ...``."""
        return None

    @classmethod
    def environment(cls) -> dict[str, Any]:
        """Versions of what the format runs on, recorded with benchmarks (``{"torch": "2.6"}``)."""
        return {}

    @classmethod
    def handles(cls, path: Path) -> str | None:
        """The suffix of ``path`` this exporter writes (the longest), or None."""
        matching = [suffix for suffix in cls.suffixes if path.name.endswith(suffix)]
        return max(matching, key=len) if matching else None
