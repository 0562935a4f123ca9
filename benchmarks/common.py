"""Shared benchmark plumbing: every case runs in a fresh process, so its peak memory is its own;
results print as a table and are written as JSON to ``benchmarks/results/``."""

from __future__ import annotations

import json
import platform
import resource
import statistics
import subprocess
import sys
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


def peak_memory_mb() -> float:
    """This process's peak resident memory (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(script: Path, case: str, timeout: int = 3600) -> dict[str, Any]:
    """Run ``script --case case`` in a new process and read the JSON it prints last."""
    done = subprocess.run([sys.executable, str(script), "--case", case], capture_output=True, text=True,
                          timeout=timeout, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "torch": torch.__version__, "threads": torch.get_num_threads(),
            "cpu": platform.processor() or platform.machine(), "cuda": torch.cuda.is_available()}  # fmt: skip


def report(name: str, title: str, rows: list[dict[str, Any]], columns: dict[str, str]) -> Path:
    """Print ``rows`` as a table (``columns``: key -> heading) and write them with the machine to JSON."""
    table = Table(title=title)
    for heading in columns.values():
        table.add_column(heading)
    for row in rows:
        table.add_row(*(_cell(row[k]) for k in columns))
    Console().print(table)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), "date": time.strftime("%Y-%m-%d"),
                                "rows": rows}, indent=2))  # fmt: skip
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return str(value)
