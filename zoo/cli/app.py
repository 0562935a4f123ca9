"""The Typer application every ``zoo`` sub-command registers on, and commands whose options come
from the registry, built only when they run (``zoo --help`` imports no plugin's components)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

app = typer.Typer(
    help="zoo: conditional image synthesis with GANs. `zoo list` shows the installed families and components.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def deferred_command(name: str, summary: str, build: Callable[[], Callable[..., Any]]) -> None:
    """Register ``zoo NAME``, whose parameters ``build`` makes from the registry when the command
    is invoked: until then only ``summary`` is known. ``zoo NAME --help`` builds it too, so its
    help lists what the installed plugins offer."""
    settings = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}

    @app.command(name, help=summary, context_settings=settings, add_help_option=False)
    def forward(ctx: typer.Context) -> Any:
        inner = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        inner.command(help=summary)(build())
        return typer.main.get_command(inner).main(args=ctx.args, prog_name=ctx.command_path, standalone_mode=False)
