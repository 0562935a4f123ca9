"""``zoo generate``: run a trained model over an image or a folder of images."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated

import typer

from zoo.cli.app import app
from zoo.errors import ZooError


@app.command("generate")
def generate_command(
    model: Annotated[Path, typer.Option("--model", "-m", help="Run folder, checkpoint or saved model folder.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="An image file or a folder of images.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the results (same file names, .png).")],
    device: Annotated[
        str | None, typer.Option("--device", help="cpu, cuda, cuda:1, mps; default: the best available.")
    ] = None,
    test_mode: Annotated[
        str | None, typer.Option("--test-mode", help="Pipelines with test modes: eval (default) or paper.")
    ] = None,
    instance: Annotated[
        Path | None,
        typer.Option("--instance", help="Label-map models: an instance map, or a folder of them named as the inputs."),
    ] = None,
) -> None:
    """Translate images (or label maps) with a trained model."""
    from zoo.data import list_images
    from zoo.loading import load

    pipe = load(model, device=device)
    if instance is not None and "instances" not in inspect.signature(pipe.__call__).parameters:
        raise ZooError(f"{pipe.config.arch} models take no instance maps; drop --instance")
    if test_mode:
        if not isinstance(getattr(type(pipe), "test_mode", None), property):
            raise ZooError(f"{pipe.config.arch} pipelines have no test modes; drop --test-mode")
        pipe.test_mode = test_mode
    files = [input] if input.is_file() else list_images(input)
    output.mkdir(parents=True, exist_ok=True)
    from rich.progress import track

    for path in track(files, description="generating", transient=True):
        extra = {} if instance is None else {"instances": _partner(instance, path)}
        pipe(path, **extra).save(output / f"{path.stem}.png")
    typer.echo(f"wrote {len(files)} image(s) to {output}")


def _partner(instance: Path, path: Path) -> Path:
    """The instance map for input ``path``: ``instance`` itself, or its file of the same stem."""
    if instance.is_file():
        return instance
    found = sorted(instance.glob(f"{path.stem}.*"))
    if not found:
        raise ZooError(f"{path}: no instance map named {path.stem}.* in {instance}")
    return found[0]
