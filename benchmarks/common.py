"""Shared benchmark plumbing: every case runs in a fresh process, so its peak memory is its own;
results print as a table and are written as JSON to ``benchmarks/results/``."""

from __future__ import annotations

import functools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"


def timed(fn: Callable[[], Any], repeats: int = 3, warmup: int = 1) -> dict[str, Any]:
    """Median wall time of ``fn`` over ``repeats`` runs after ``warmup`` runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": statistics.median(times), "times_s": times}


def train_stamped(
    config: Any, on_iteration: Callable[[int], None] | None = None, out: str | None = None
) -> list[float]:
    """Train ``config`` in ``out`` (default: a temporary folder); the ``time.perf_counter()`` at
    the end of each iteration, as the trainer's monitor sees it (so start-up does not count).
    ``on_iteration`` gets the number of iterations done so far, before the monitor records the
    last one."""
    import zoo
    from zoo.trainer.monitor import Monitor

    stamps: list[float] = []
    original = Monitor.step

    def stamped(monitor: Monitor, *args: Any, **kwargs: Any) -> None:
        stamps.append(time.perf_counter())
        if on_iteration is not None:
            on_iteration(len(stamps))
        original(monitor, *args, **kwargs)

    Monitor.step = stamped
    try:
        if out is not None:
            zoo.train(config, out=out)
        else:
            with tempfile.TemporaryDirectory() as folder:
                zoo.train(config, out=folder)
    finally:
        Monitor.step = original
    return stamps


class IterationFlops:
    """An ``on_iteration`` callback for :func:`train_stamped` that counts the floating-point
    operations (``torch.utils.flop_counter``'s formulas: convolutions and matrix products,
    forward and backward, a gradient penalty's double backward included) of the iteration after
    the ``after``-th; that iteration runs under the counter, so it is not one to time."""

    def __init__(self, after: int):
        self.after, self.gflop = after, None
        self._mode: _FlopCount | None = None

    def __call__(self, done: int) -> None:
        if done == self.after:
            self._mode = _FlopCount()
            self._mode.__enter__()
        elif done == self.after + 1 and self._mode is not None:
            self._mode.__exit__(None, None, None)
            self.gflop = self._mode.flops / 1e9


class _FlopCount(torch.utils._python_dispatch.TorchDispatchMode):
    """FLOPs by ``torch.utils.flop_counter``'s formulas without its module tracker, whose
    backward hooks ``torch.autograd.grad`` (the gradient penalty) refuses."""

    def __init__(self) -> None:
        super().__init__()
        self.flops = 0

    def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        from torch.utils.flop_counter import flop_registry

        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        formula = flop_registry.get(func._overloadpacket)
        if formula is not None:
            self.flops += formula(*args, **kwargs, out_val=out)
        return out


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(script: Path, case: str, timeout: int = 3600) -> dict[str, Any]:
    """Run ``script --case case`` in a new process and read the JSON it prints last."""
    done = subprocess.run([sys.executable, str(script), "--case", case], capture_output=True, text=True,
                          timeout=timeout, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def cpu_flags() -> set[str]:
    """The CPU's instruction-set flags (Linux), to know which precisions it computes natively."""
    line = next((ln for ln in _cpuinfo().splitlines() if ln.startswith("flags")), "")
    return set(line.partition(":")[2].split())


def machine() -> dict[str, Any]:
    """What a number was measured on: versions, CPU, threads, and how busy the machine was."""
    model = next((ln.partition(":")[2].strip() for ln in _cpuinfo().splitlines() if ln.startswith("model name")), "")
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cpu": model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "threads": torch.get_num_threads(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cuda": torch.cuda.is_available(),
    }


def _cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""


@functools.cache
def _limit() -> dict[str, Any] | None:
    """``results/limit.json`` (``benchmarks/limit.py``), read once a process."""
    path = RESULTS / "limit.json"
    return json.loads(path.read_text()) if path.is_file() else None


def limit_rate(precision: str) -> float | None:
    """The measured convolution rate (GFLOP/s) of ``precision``; fp16 has none on a CPU and
    counts against fp32."""
    if _limit() is None:
        return None
    rows = {row["precision"]: row for row in _limit()["rows"]}
    row = rows.get("fp32" if precision == "fp16" else precision) or rows["fp32"]
    return row["conv_gflops"] or row["matmul_gflops"]


def generator_gflop(case: str) -> float | None:
    """A generator's forward GFLOP at its reference size, as ``limit.py`` counted it."""
    return None if _limit() is None else _limit().get("generator_gflop", {}).get(case)


def fraction_of_limit(gflop: float | None, seconds: float, precision: str = "fp32") -> float | None:
    """Achieved GFLOP/s over the machine's measured rate for ``precision``."""
    rate = limit_rate(precision)
    return None if gflop is None or rate is None or seconds <= 0 else gflop / seconds / rate


def report(
    name: str, title: str, rows: list[dict[str, Any]], columns: dict[str, str], extra: dict[str, Any] | None = None
) -> Path:
    """Print ``rows`` as a table (``columns``: key -> heading), with the machine and its load under
    it, and write them with the machine (and ``extra``) to JSON."""
    table = Table(title=title, caption=_caption(machine()))
    for heading in columns.values():
        table.add_column(heading)
    for row in rows:
        table.add_row(*(_cell(row.get(k)) for k in columns))
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    record = {"benchmark": name, "machine": machine(), "date": time.strftime("%Y-%m-%d"), "rows": rows, **(extra or {})}
    path.write_text(json.dumps(record, indent=2))
    return path


def _caption(info: dict[str, Any]) -> str:
    load = ", ".join(str(x) for x in info["load_average"])
    return f"{info['cpu']}, {info['cores']} cores, {info['threads']} threads, load {load}; torch {info['torch']}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)
