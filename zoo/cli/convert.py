"""``zoo convert``: official checkpoints into saved zoo models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zoo.cli.app import app


@app.command("convert")
def convert_command(
    files: Annotated[list[Path], typer.Argument(help="The official files (e.g. latest_net_G.pth).")],
    arch: Annotated[str, typer.Option("--arch", "-a", help="Architecture whose official code wrote the files.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the saved model.")],
    overrides: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="KEY=VALUE for what the files do not tell.")
    ] = None,
    like: Annotated[
        str | None, typer.Option("--like", help="A named pretrained model whose configuration fills the gaps.")
    ] = None,
    allow_pickle: Annotated[
        bool,
        typer.Option(
            "--allow-pickle",
            help="Read files that need unpickling. This EXECUTES code in them: trusted files only.",
        ),
    ] = False,
) -> None:
    """Import official weights; every official key must map onto the model and none may be missing."""
    from zoo.convert import convert

    if overrides is None:
        overrides = []
    pipeline, conversion = convert(arch, files, overrides, allow_pickle, like=like)
    pipeline.save_pretrained(out)
    console = Console()
    console.print(f"converted {len(conversion.state)} tensors into {out}")
    for key in conversion.ignored:
        console.print(f"  ignored {key}")
    for key, note in conversion.notes.items():
        console.print(f"  note on {key}: {note}")
