"""``zoo edit``: pix2pixHD's semantic manipulation from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoo.errors import ZooError


def _pairs(values: list[str], what: str) -> list[tuple[str, int]]:
    pairs = []
    for value in values:
        key, sep, number = value.rpartition("=")
        if not sep or not number.lstrip("-").isdigit():
            raise ZooError(f"--{what} {value!r}: expected KEY=NUMBER")
        pairs.append((key, int(number)))
    return pairs


def edit_command(
    model: Annotated[Path, typer.Option("--model", "-m", help="A pix2pixHD run, checkpoint or saved model.")],
    label: Annotated[Path, typer.Option("--label", "-l", help="The label map (class ids).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the edited image.")],
    instance: Annotated[Path | None, typer.Option("--instance", "-i", help="The instance map.")] = None,
    relabel: Annotated[list[str] | None, typer.Option(help="INSTANCE=CLASS: give an instance another class.")] = None,
    restyle: Annotated[list[str] | None, typer.Option(help="INSTANCE=CENTRE: give an instance another style.")] = None,
    region: Annotated[
        list[str] | None, typer.Option(help="MASK.png=CLASS: paint a region (non-zero mask pixels).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random styles of the other instances.")] = 0,
    before: Annotated[Path | None, typer.Option(help="Also write the unedited synthesis here.")] = None,
    device: Annotated[str | None, typer.Option(help="cpu, cuda, mps; default: the best available.")] = None,
) -> None:
    """Change classes or styles of instances or regions of a label map and resynthesize (pix2pixHD)."""
    from zoo.data import read_ids
    from zoo.loading import load

    from .pipeline import Change, Pix2PixHDPipeline

    pipe = load(model, device=device)
    if not isinstance(pipe, Pix2PixHDPipeline):
        raise ZooError(f"{model} is a {pipe.config.arch} model; zoo edit needs a pix2pixHD model")
    changes = [Change(instance=int(i), label=c) for i, c in _pairs(relabel or [], "relabel")]
    changes += [Change(instance=int(i), style=s) for i, s in _pairs(restyle or [], "restyle")]
    changes += [Change(region=read_ids(Path(m)) != 0, label=c) for m, c in _pairs(region or [], "region")]
    if not changes:
        raise ZooError("nothing to edit: give --relabel, --restyle or --region")
    labels, instances = read_ids(label), None if instance is None else read_ids(instance)
    pipe.edit(labels, instances, changes, seed=seed).save(output)
    if before is not None:
        pipe(labels, instances, seed=seed).save(before)
    typer.echo(f"wrote {output}")
