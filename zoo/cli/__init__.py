"""The ``zoo`` command line: one sub-command a module, all on one Typer app."""

from __future__ import annotations

import sys

from rich.console import Console

from zoo.cli import convert, generate, list, train  # noqa: F401  (each registers its command)
from zoo.cli.app import app
from zoo.errors import ZooError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``zoo`` script: errors of zoo's own are printed without a traceback."""
    try:
        app()
    except ZooError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
