"""``zoo.export``: a trained generator to a deployable artifact through the exporter plugin that
makes its format, verified against PyTorch before it replaces anything, with its report; and
what exporters share to get there."""

from __future__ import annotations

import contextlib
import fnmatch
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from zoo.errors import ZooError
from zoo.exporting.exporter import Exporter, ExportError, ExportReport, VerificationError
from zoo.files import NO_SPACE, NOT_PERMITTED, READ_ONLY, WriteError, writable, write_error, write_failure
from zoo.inference import InferencePipeline
from zoo.registry import Registry


def export_pipeline(
    pipeline: InferencePipeline,
    format: str | None,
    registry: Registry,
    out: str | Path | None = None,
    folder: str | Path = ".",
    **options: Any,
) -> ExportReport:
    """Export ``pipeline`` with the exporter named ``format`` (``zoo list exporter``; None: the
    default one) and its ``options``; the artifact goes to ``out``, or by the exporter's name
    for it into ``folder``. The report is written beside it (``.rejected.json`` when
    verification failed)."""
    entry = registry.get("exporter", format or default_format(registry))
    missing = entry.obj.unavailable()
    if missing:
        raise ExportError(f"the {entry.name} exporter needs {missing}")
    exporter = registry.create("exporter", entry.name, **options)
    if pipeline.exported:
        raise ExportError("this model is already an exported graph: export the PyTorch model it came from")
    target = Path(out) if out is not None else Path(folder) / exporter.artifact_name()
    what = f"the {entry.name} export {target.name} into {target.parent}"
    writable(target.parent, what, ELSEWHERE, kind=ExportWriteError)  # before minutes of exporting
    try:
        try:
            report = exporter.export(pipeline, target, registry)
        except VerificationError as failed:
            failed.report.format = entry.name
            failed.report.save()
            raise
        report.format = entry.name
        report.save()
    except (OSError, RuntimeError) as exc:
        error = None if isinstance(exc, ZooError) else _write_error(exc, target.parent, what)
        if error is None:
            raise
        raise error from exc
    return report


class ExportWriteError(ExportError, WriteError):
    """An export that could not be written (a read-only or full folder); the message says where
    to write it instead."""


ELSEWHERE = "export elsewhere: zoo export MODEL --out PATH (zoo.export(..., out=PATH))"


def _write_error(exc: OSError | RuntimeError, folder: Path, what: str) -> WriteError | None:
    """One line for an export whose files could not be written into ``folder``; None for other
    errors (a data set that cannot be read for calibration, say)."""
    failure = write_failure(exc, folder)
    if failure is None or failure[1] not in (*NO_SPACE, *READ_ONLY, *NOT_PERMITTED):
        return None
    filename = getattr(exc, "filename", None)
    if failure[1] in NOT_PERMITTED and filename and not Path(filename).resolve().is_relative_to(folder.resolve()):
        return None  # a file read elsewhere
    return write_error(exc, folder, what, ELSEWHERE, f"free space there or {ELSEWHERE}", kind=ExportWriteError)


def default_format(registry: Registry) -> str:
    """The format exported when none is named: the first registered exporter that declares
    itself the default (built-ins register first)."""
    entries = registry.entries("exporter")
    defaults = sorted((e.index, e.name) for e in entries if e.obj.default)
    if not defaults:
        raise ZooError(f"name a format: --format NAME (installed: {', '.join(e.name for e in entries) or 'none'})")
    return defaults[0][1]


@contextlib.contextmanager
def staged(out: Path) -> Iterator[Path]:
    """Where an exporter writes the artifact ``out``: a hidden temporary folder beside it, whose
    files (the artifact and its companions) replace the old ones only when the block ends without
    an exception, so a failed or rejected export leaves the last good artifact in place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".zoo-export-") as folder:
        yield Path(folder) / out.name
        for made in Path(folder).iterdir():
            os.replace(made, out.parent / made.name)


def artifact_files(artifact: Path, exporter: type[Exporter]) -> list[Path]:
    """What an artifact is made of, as published: the file, its companions, and the reports
    about it (the exporter's report patterns that name it)."""
    companions = [artifact.with_name(artifact.name + ending) for ending in exporter.companions]
    reports = [
        path
        for path in artifact.parent.iterdir()
        if path.name.startswith(artifact.name) and any(fnmatch.fnmatch(path.name, p) for p in exporter.reports)
    ]
    return [path for path in [artifact, *companions, *sorted(reports)] if path.is_file()]
