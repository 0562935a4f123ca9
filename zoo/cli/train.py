"""``zoo train``: a run from an architecture's recipe, a data set and overrides."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoo.cli.app import app


@app.command("train")
def train_command(
    arch: Annotated[str | None, typer.Option("--arch", "-a", help="Architecture (`zoo list architecture`).")] = None,
    preset: Annotated[
        str | None,
        typer.Option("--preset", "-p", help="A preset of the architecture, e.g. quick (a run of minutes on a CPU)."),
    ] = None,
    data: Annotated[
        str | None, typer.Option("--data", "-d", help="Data set (`zoo list dataset`); default: the recipe's.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="YAML/JSON file layered over the defaults.")
    ] = None,
    overrides: Annotated[
        list[str] | None, typer.Option("--set", "-s", help="KEY=VALUE override, e.g. G.ngf=32 (repeatable).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Run folder; default runs/<arch>-<time>.")] = None,
    resume: Annotated[
        Path | None, typer.Option("--resume", help="Continue a run folder (or a checkpoint folder).")
    ] = None,
    print_config: Annotated[
        bool, typer.Option("--print-config", help="Print the resolved configuration and exit.")
    ] = False,
) -> None:
    """Train a model. With no --data the recipe's default data set is used (the embedded synthetic
    scenes for pix2pix), so `zoo train --arch pix2pix` runs as it is."""
    import yaml

    from zoo.api import make_config, presets, train
    from zoo.checkpoint import find_checkpoint
    from zoo.inference import CONFIG_NAME

    if resume is not None and config is None and arch is None:
        config = find_checkpoint(resume).path / CONFIG_NAME  # continue with the run's own configuration
    cfg = make_config(arch, data, config, overrides or [], preset=preset)
    if preset is not None and not print_config:
        summaries = {name.lower(): summary for name, summary in presets(cfg.arch).items()}
        typer.echo(f"preset {preset}: {summaries[preset.lower()]}", err=True)
    if print_config:
        typer.echo(yaml.safe_dump(cfg.to_dict(), sort_keys=False), nl=False)
        return
    run_dir = train(cfg, out=out, resume=resume)
    typer.echo(f"run folder: {run_dir}", err=True)
