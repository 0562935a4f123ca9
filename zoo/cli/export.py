"""``zoo export``: a trained generator to a verified ONNX model or TensorRT engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from zoo.cli.app import app
from zoo.errors import ZooError
from zoo.export import export


@app.command("export")
def export_command(
    model: Annotated[str, typer.Argument(help="A run folder, saved model folder, or pretrained name.")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Export an ONNX model (the default).")] = False,
    trt: Annotated[bool, typer.Option("--trt", help="Build a TensorRT engine (from a verified ONNX model).")] = False,
    precision: Annotated[Literal["fp32", "fp16", "int8"], typer.Option(help="Numeric precision.")] = "fp32",
    test_mode: Annotated[
        Literal["eval", "paper"], typer.Option(help="eval: running statistics; paper: batch statistics (pix2pix).")
    ] = "eval",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where to write the artifact.")] = None,
    calibration: Annotated[int, typer.Option(help="int8: how many data-set images calibrate.")] = 16,
    max_abs: Annotated[float | None, typer.Option(help="Largest absolute error allowed vs PyTorch.")] = None,
    min_psnr: Annotated[float | None, typer.Option(help="Lowest PSNR (dB) allowed vs PyTorch fp32.")] = None,
) -> None:
    """Export and verify against PyTorch at two sizes; fails (keeping nothing) above tolerance."""
    if onnx and trt:
        raise ZooError("choose --onnx or --trt")
    options = {"precision": precision, "test_mode": test_mode, "max_abs": max_abs, "min_psnr": min_psnr}
    if precision == "int8":
        options["calibration"] = calibration
    report = export(model, "tensorrt" if trt else "onnx", out, **options)
    console = Console()
    console.print(report.table(), highlight=False)
    console.print(f"wrote {report.path} (report: {report.path.name}.json)")
