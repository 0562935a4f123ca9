"""The ``zoo`` command line: one sub-command a module, all on one Typer app."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from zoo.errors import ZooError

app = typer.Typer(
    help="zoo: conditional image synthesis with GANs (pix2pix, pix2pixHD, SPADE, SinGAN).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)


def main() -> None:
    """Entry point of the ``zoo`` script: errors of zoo's own are printed without a traceback."""
    from zoo.cli import convert, generate, list, train  # noqa: F401  (each registers its command)

    try:
        app()
    except ZooError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
