"""``zoo list [KIND] [PATTERN]``: what the installed plugins provide, and which failed to load."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from zoo.cli.app import app
from zoo.errors import UnknownNameError
from zoo.hookspecs import KINDS as KIND_SPECS
from zoo.registry import KINDS, get_registry

KIND_HELP = "; ".join(f"{name} ({kind.summary})" for name, kind in KIND_SPECS.items())


@app.command("list")
def list_components(
    kind: Annotated[str | None, typer.Argument(help=f"One of: {KIND_HELP} (plurals work); default: all.")] = None,
    pattern: Annotated[str, typer.Argument(help="Shell-style name pattern, e.g. 'unet*'.")] = "*",
) -> None:
    """List registered components with the plugin and version that provide them."""
    registry = get_registry()
    spellings = {**{k: k for k in KINDS}, **{f"{k}s": k for k in KINDS}, "losses": "loss"}
    if kind in spellings:
        kind = spellings[kind]
    elif kind and pattern == "*":  # `zoo list 'pix2pix*'`: a pattern over every kind
        kind, pattern = None, kind
    elif kind:
        raise UnknownNameError("kind", kind, KINDS)
    entries = registry.entries(kind, pattern)
    rows = [(e.kind, e.name, e.plugin, e.version, e.summary) for e in entries]
    table = Table(title="zoo components")
    for i, column in enumerate(("kind", "name", "plugin", "version")):
        table.add_column(column, no_wrap=True, min_width=max([len(column), *(len(r[i]) for r in rows)]))
    table.add_column("summary")
    for row in rows:
        table.add_row(*row)
    console = Console(width=max(Console().width, 120))
    console.print(table)
    if registry.failures:
        failed = Table("plugin", "version", "problem", title="plugins that failed", style="red")
        for failure in registry.failures:
            failed.add_row(failure.plugin, failure.version, failure.error)
        console.print(failed)
