"""``zoo bench``: one generator timed on every backend it can be deployed on, on the same inputs,
so that the choice of runtime rests on this model's latency and output error on this machine.

The PyTorch backends run the module every export is traced from and verified against
(:func:`for_export`: eval mode, spectral norm folded), so eager is the reference for speed and
error alike. Then every registered exporter's variants (``Exporter.bench_variants``): each
artifact is made as ``zoo export`` makes it (verified as always) and run behind the exporter's
own ``load``, as users run it."""

from __future__ import annotations

import contextlib
import copy
import math
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch

from zoo.errors import ZooError
from zoo.exporting.export import export_pipeline
from zoo.exporting.exporter import VerificationError
from zoo.exporting.prepare import for_export
from zoo.exporting.verify import psnr
from zoo.graph import check_sizes
from zoo.inference import InferencePipeline, autocast, bf16_units
from zoo.registry import Entry, Registry

Run = Callable[[], torch.Tensor]
"""One forward pass of a backend on the benchmark's inputs."""


class Skip(Exception):
    """A backend that this machine or model cannot run; its message is the reason shown."""


def bench(
    pipeline: InferencePipeline,
    registry: Registry,
    batch: int = 1,
    size: tuple[int, int] | None = None,
    repeats: int = 10,
    warmup: int = 2,
    compile: bool = False,
    formats: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Time ``pipeline``'s generator on each backend: the median of ``repeats`` runs after one
    run for the output (and torch.compile's compilation) and ``warmup`` more, on one batch of
    random inputs of ``size`` (height, width; default: the graph's first test size).

    One row a backend, eager first, with ``status`` ``ok``, ``skipped`` (not available here,
    e.g. int8 without the model's data set) or ``failed`` (it raised: torch.compile, say), and
    the ``reason``. Speed-up and maximum absolute error are against eager's output. ``formats``
    limits the exporters timed (default: every registered one)."""
    if repeats < 1:
        raise ZooError("bench needs at least one timed run (repeats >= 1)")
    if pipeline.exported:
        raise ZooError("zoo bench times the PyTorch model against its exports: pass its run or saved model folder")
    exporters = registry.entries("exporter")
    if formats is not None:
        exporters = [registry.get("exporter", name) for name in formats]
    spec = pipeline.graph_spec()
    size = tuple(size or spec.test_sizes()[0])
    inputs = [x.to(pipeline.device) for x in spec.example(batch, size)]
    check_sizes(spec.describe(), {i.name: x for i, x in zip(spec.inputs, inputs, strict=True)}, "zoo bench")
    eager = for_export(spec.module)
    rows, outputs = [], []
    with tempfile.TemporaryDirectory() as folder:
        for backend, make in _backends(pipeline, eager, inputs, Path(folder), compile, registry, exporters):
            row, output = _measure(make, batch, repeats, warmup)
            rows.append({"backend": backend, "batch": batch, "size": list(size), **row})
            outputs.append(output)
    if rows[0]["status"] != "ok":
        raise ZooError(f"the PyTorch generator itself fails at {size[0]}x{size[1]} (HxW): {rows[0]['reason']}")
    for row, output in zip(rows, outputs, strict=True):
        if output is None:
            continue
        row["speedup"] = rows[0]["latency_ms"] / row["latency_ms"]
        got, expected = output.float().cpu(), outputs[0].float().cpu()
        error = float((got - expected).abs().max())
        if math.isfinite(error):
            row |= {"max_abs_error": error, "psnr": psnr(got, expected)}
        else:  # timed, but not an answer (and not a number JSON can hold)
            row |= {"status": "failed", "reason": "the output has NaN or infinite values"}
    return rows


MIN_PSNR = 40.0
"""The PSNR (dB, against fp32) a reduced-precision variant must keep to be chosen by speed."""


def ranked_variants(rows: Sequence[dict[str, Any]], registry: Registry) -> list[tuple[str, dict[str, Any], dict]]:
    """The export variants among ``bench``'s ``rows`` that were made, verified and ran, fastest
    first, as (exporter, options, row); each reduced-precision variant's options ask for
    :data:`MIN_PSNR`, where its exporter takes ``min_psnr``, so an export with them keeps that
    quality or fails. PyTorch's own rows are not artifacts and do not count."""
    variants = {}
    for entry in registry.entries("exporter"):
        for label, options in entry.obj.bench_variants().items():
            reduced = options.get("precision", "fp32") != "fp32" and "min_psnr" in entry.options()
            variants[label or entry.name] = (entry.name, options | ({"min_psnr": MIN_PSNR} if reduced else {}))
    made = sorted((row for row in rows if row["status"] == "ok" and row["backend"] in variants),
                  key=lambda row: row["latency_ms"])  # fmt: skip
    if not made:
        reasons = "; ".join(f"{r['backend']}: {r['reason']}" for r in rows if r["backend"] in variants)
        raise ZooError(f"no export variant was verified and ran on this machine ({reasons or 'no exporter'})")
    return [(*variants[row["backend"]], row) for row in made]


def _backends(
    pipeline: InferencePipeline,
    eager: torch.nn.Module,
    inputs: list[torch.Tensor],
    folder: Path,
    compile: bool,
    registry: Registry,
    exporters: list[Entry],
) -> Iterator[tuple[str, Callable[[], Run]]]:
    """Each backend's name and how to set it up (which may raise :class:`Skip`). Set up as it is
    measured, so that besides eager at most one backend's copy of the weights is held."""
    device = inputs[0].device.type
    reduced = "fp16" if device == "cuda" else "bf16"
    compiled = partial(_compiled, eager, inputs)
    yield "pytorch eager", lambda: partial(eager, *inputs)
    yield "pytorch channels_last", partial(_channels_last, eager, inputs)
    yield f"pytorch {reduced} channels_last", partial(_reduced, partial(_channels_last, eager, inputs), reduced, device)
    if compile:
        yield "torch.compile", compiled
        yield f"torch.compile {reduced}", partial(_reduced, compiled, reduced, device)
    for entry in exporters:
        missing = entry.obj.unavailable()
        if missing:
            yield entry.name, partial(_skip, f"needs {missing}")
            continue
        for index, (label, options) in enumerate(entry.obj.bench_variants().items()):
            name = label or entry.name
            target = folder / f"{entry.name}-{index}"
            yield name, partial(_artifact, pipeline, inputs, registry, entry, target, options)


def _channels_last(eager: torch.nn.Module, inputs: list[torch.Tensor]) -> Run:
    """Eager in NHWC memory layout, which oneDNN and cuDNN convolutions often prefer; the inputs
    are converted beforehand, as a channels-last deployment would feed them."""
    module = copy.deepcopy(eager).to(memory_format=torch.channels_last)
    given = [x.contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x for x in inputs]
    return partial(module, *given)


def _compiled(eager: torch.nn.Module, inputs: list[torch.Tensor]) -> Run:
    return partial(torch.compile(eager), *inputs)


def _reduced(make: Callable[[], Run], precision: str, device: str) -> Run:
    """The run ``make`` sets up, under autocast to ``precision`` on ``device``: what a pipeline
    runs after ``pipe.to(precision=..., channels_last=True)``, which leaves its inputs NCHW (the
    first convolution's output is channels-last all the same)."""
    if precision == "bf16" and not bf16_units(device):
        raise Skip("this CPU has no bf16 instructions (AVX-512 BF16 or AMX)")
    run = make()

    def reduced() -> torch.Tensor:
        with autocast(precision, device):
            return run()

    return reduced


def _artifact(
    pipeline: InferencePipeline,
    inputs: list[torch.Tensor],
    registry: Registry,
    entry: Entry,
    folder: Path,
    options: dict[str, Any],
) -> Run:
    """Export (and verify) with the exporter of ``entry``, then run the artifact behind its ``load``."""
    with _on_cpu(pipeline):
        try:
            report = export_pipeline(pipeline, entry.name, registry, folder=folder, **options)
        except VerificationError:
            raise  # a wrong artifact is a failure, not an unavailable backend
        except ZooError as exc:
            raise Skip(str(exc)) from None
    return partial(entry.obj.load(report.path, pipeline.device, registry).nets["G"], *inputs)


@contextlib.contextmanager
def _on_cpu(pipeline: InferencePipeline) -> Iterator[None]:
    """Exporters trace and verify on the CPU, whatever device the model is benchmarked on."""
    device = pipeline.device
    pipeline.to("cpu")
    try:
        yield
    finally:
        pipeline.to(device)


def _skip(reason: str) -> Run:
    raise Skip(reason)


def _measure(make: Callable[[], Run], batch: int, repeats: int, warmup: int) -> tuple[dict[str, Any], Any]:
    """The timing row of one backend and its output (None unless it ran)."""
    row: dict[str, Any] = {"latency_ms": None, "throughput": None, "speedup": None, "max_abs_error": None, "psnr": None}
    sync = torch.cuda.synchronize if torch.cuda.is_available() else lambda: None
    try:
        run = make()
        with torch.inference_mode():
            output = run()
            for _ in range(warmup):
                run()
            times = []
            for _ in range(repeats):
                sync()
                start = time.perf_counter()
                run()
                sync()
                times.append((time.perf_counter() - start) * 1000)
    except Skip as exc:
        return {**row, "status": "skipped", "reason": str(exc), "times_ms": []}, None
    except Exception as exc:  # a backend that breaks is reported; the others still run
        return {**row, "status": "failed", "reason": f"{type(exc).__name__}: {exc}", "times_ms": []}, None
    latency = statistics.median(times)
    row |= {"latency_ms": latency, "throughput": batch * 1000 / latency}
    return {**row, "status": "ok", "reason": None, "times_ms": times}, output


def machine(registry: Registry) -> dict[str, Any]:
    """Where the numbers were measured: they mean little for a model card without it."""
    formats: dict[str, Any] = {}
    for entry in registry.entries("exporter"):
        try:
            formats.update(entry.obj.environment())
        except Exception as exc:  # a broken plugin must not lose the measurements
            formats[entry.name] = f"unknown ({type(exc).__name__}: {exc})"
    return formats | {
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "load_average": os.getloadavg(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        **formats,
    }


def _cpu_name() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()
