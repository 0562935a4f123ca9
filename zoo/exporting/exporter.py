"""The exporter contract: what a plugin declares and implements for a deployment format, and the
report every export returns (the artifact is verified against PyTorch before it is kept).

Cheap to import (no torch): ``zoo list`` and the command line read the declarations."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from zoo.errors import ZooError

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
    """How far an artifact's output is from PyTorch's (fp32, eval) on one size of random inputs."""

    size: tuple[int, int]
    max_abs: float
    mean_abs: float
    psnr_db: float


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
