"""``zoo bench``: a model's generator timed on every deployment backend, as a table and JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from zoo.cli.app import app
from zoo.errors import ZooError
from zoo.files import write_atomic
from zoo.registry import get_registry


@app.command("bench")
def bench_command(
    model: Annotated[str, typer.Argument(help="A run folder or saved model folder (the PyTorch model).")],
    batch: Annotated[int, typer.Option(min=1, help="Images a forward pass.")] = 1,
    size: Annotated[
        str | None, typer.Option(help="Input size as HEIGHTxWIDTH, e.g. 512x1024; default: the graph's test size.")
    ] = None,
    repeats: Annotated[int, typer.Option(min=1, help="Timed runs; the median is reported.")] = 10,
    warmup: Annotated[int, typer.Option(min=0, help="Untimed runs before them.")] = 2,
    compile: Annotated[bool, typer.Option("--compile", help="Also time torch.compile (slow to compile).")] = False,
    device: Annotated[
        str | None, typer.Option(help="Where PyTorch runs: cpu, cuda, cuda:1; default: the best available.")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Also write the rows and the machine here.")] = None,
    formats: Annotated[
        list[str] | None, typer.Option("--format", help="Time only this format (repeatable); default: every one.")
    ] = None,
) -> None:
    """Time PyTorch (eager, channels_last, bf16 on the CPU or fp16 on a GPU, torch.compile) and every
    installed exporter's artifacts (`zoo list exporter`) on the same inputs: latency, throughput,
    speed-up, and error and PSNR against eager. A PyTorch row in reduced precision is what
    `pipe.to(precision=..., channels_last=True)` or `zoo generate --precision` runs."""
    from rich.console import Console

    from zoo.exporting.bench import bench, machine
    from zoo.loading import load

    registry = get_registry()
    pipeline = load(model, device=device, registry=registry)
    rows = bench(pipeline, registry, batch, _size(size), repeats, warmup, compile, formats)
    height, width = rows[0]["size"]
    title = (
        f"{pipeline.config.arch} generator, batch {batch} at {height}x{width} (HxW) on {pipeline.device}: "
        f"median of {repeats} runs after {warmup} warm-up"
    )
    Console().print(table(rows, title))
    for line in reasons(rows):  # under the table, where a long reason is one line, not a column of words
        typer.echo(line)
    if json_path is not None:
        setup = {"model": str(model), "arch": pipeline.config.arch, "repeats": repeats, "warmup": warmup}
        record = {**setup, "date": time.strftime("%Y-%m-%d"), "machine": machine(registry), "rows": rows}
        write_atomic(json_path, json.dumps(record, indent=2, allow_nan=False))
        typer.echo(f"wrote {json_path}")


def table(rows: list[dict[str, Any]], title: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    out = Table(title=title)
    out.add_column("backend", no_wrap=True)
    for heading in ("latency (ms)", "images/s", "speed-up", "max |err|", "PSNR (dB)"):
        out.add_column(heading, justify="right")
    out.add_column("status")
    for row in rows:
        if row["status"] == "ok":
            numbers = [f"{row['latency_ms']:.3g}", f"{row['throughput']:.3g}", f"{row['speedup']:.2f}x"]
            quality = [f"{row['max_abs_error']:.1e}", f"{row['psnr']:.1f}"]
            out.add_row(row["backend"], *numbers, *quality, "ok")
        else:  # the reason is told under the table (``reasons``)
            out.add_row(row["backend"], *["-"] * 5, Text(row["status"]))
    return out


def reasons(rows: list[dict[str, Any]]) -> list[str]:
    """Why each backend that did not run was skipped or failed, one line each."""
    return [f"{row['backend']}: {row['status']}, {row['reason']}" for row in rows if row["status"] != "ok"]


def _size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        height, width = (int(side) for side in text.lower().split("x"))
    except ValueError:
        raise ZooError(f"--size {text}: expected HEIGHTxWIDTH, e.g. 256x256") from None
    return height, width
