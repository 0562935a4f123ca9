"""The ``zoo`` command line: one sub-command a module, all on one Typer app.

Command modules import only Typer and the registry at the top; a command imports what it works
with when it runs, so ``zoo --help`` and ``zoo list`` pay for no model, exporter or trainer."""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from zoo.cli import bench, convert, evaluate, export, generate, hub, list, train  # noqa: F401  (each registers its command)
from zoo.cli.app import app
from zoo.errors import ZooError
from zoo.registry import get_registry

__all__ = ["app", "main"]


def _add_plugin_commands() -> None:
    """Commands from the ``zoo_commands`` hook (a function, or a ``typer.Typer`` of several:
    ``zoo singan sample``); one that would shadow a built-in is refused."""
    registry = get_registry()
    taken = {command.name for command in app.registered_commands}
    for entry in registry.entries("command"):
        if entry.name in taken:
            registry.fail(entry.plugin, entry.version, f"command {entry.name!r} is a built-in zoo command; ignored")
        elif isinstance(entry.obj, typer.Typer):
            app.add_typer(entry.obj, name=entry.name)
        else:
            app.command(entry.name)(entry.obj)


_add_plugin_commands()


def main() -> None:
    """Entry point of the ``zoo`` script: errors of zoo's own are printed without a traceback."""
    try:
        app()
    except ZooError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
