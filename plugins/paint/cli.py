"""The ``zoo paint`` command: load a model, build its page, serve it on this machine."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from zoo.errors import ZooError


def paint_command(
    model: Annotated[str, typer.Argument(help="Anything zoo.load takes: a run, saved model, ONNX artifact, Hub name.")],
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 7860,
    host: Annotated[str, typer.Option(help="Address to serve on (0.0.0.0: every interface).")] = "127.0.0.1",
    size: Annotated[
        str | None, typer.Option(help="Canvas WIDTHxHEIGHT (default: the data set's first map, or its crop).")
    ] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, mps; default: the best available.")] = None,
) -> None:
    """Paint label maps (or, for a single-image model, samples, paint-to-image, edits) in the browser."""
    if importlib.util.find_spec("gradio") is None:
        raise ZooError("zoo paint needs gradio, which is not installed: pip install 'zoo-gan[paint]'")
    from zoo.loading import load
    from zoo.registry import get_registry

    from .app import build, serve

    canvas = _size(size) if size else None
    pipe = load(model, device=device)
    page = build(pipe, get_registry(), f"{pipe.config.arch}, {_short(model)}", canvas)
    typer.echo(f"zoo paint: serving {model} on http://{host}:{port} (Ctrl+C stops)")
    serve(page, host, port)


def _size(text: str) -> tuple[int, int]:
    """(height, width) of ``WIDTHxHEIGHT``."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ZooError(f"--size {text}: give WIDTHxHEIGHT in pixels, 512x256 say") from None
    if width < 8 or height < 8:
        raise ZooError(f"--size {text}: give at least 8x8 pixels")
    return height, width


def _short(model: str) -> str:
    """A model's name for the page's title: a path by its last two parts."""
    path = Path(model)
    return "/".join(path.parts[-2:]) if path.exists() else model
