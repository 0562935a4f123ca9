"""``zoo export``: a trained generator to a verified artifact of any registered format
(``zoo list exporter``); the formats, their shortcut flags and their options come from the
exporter plugins."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from zoo.cli.app import deferred_command
from zoo.errors import ZooError
from zoo.registry import get_registry

SUMMARY = "Export a model and verify it against PyTorch at two sizes; keeps nothing above tolerance."


def build() -> Any:
    """The command, with a flag and the options of every installed exporter."""
    from zoo.cli.formats import chosen_formats, exporter_options, option_parameters, shortcut_parameters, shortcuts
    from zoo.exporting.export import default_format

    registry = get_registry()
    names = ", ".join(entry.name for entry in registry.entries("exporter"))
    try:
        default = f" (default: {default_format(registry)})"
    except ZooError:
        default = ""
    own = [
        inspect.Parameter(
            "model",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[str, typer.Argument(help="A run folder, saved model folder, or pretrained name.")],
        ),
        inspect.Parameter(
            "format",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str | None, typer.Option("--format", "-f", help=f"One of: {names}{default}.")],
            default=None,
        ),
        inspect.Parameter(
            "out",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[Path | None, typer.Option("--out", "-o", help="Where to write the artifact.")],
            default=None,
        ),
        inspect.Parameter(
            "optimize",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                bool,
                typer.Option(
                    "--optimize",
                    help="Time every variant of the format(s) here (as zoo bench) and export the fastest verified one.",
                ),
            ],
            default=False,
        ),
    ]
    options = option_parameters(registry, reserved={p.name for p in own})
    taken = {"format", "out", "optimize", "help", *(p.name.replace("_", "-") for p in options)}
    flags = shortcuts(registry, taken)

    def export_command(**values: Any) -> None:
        from rich.console import Console

        from zoo.api import export

        named = [registry.get("exporter", values["format"]).name] if values["format"] else []
        chosen = chosen_formats(values, flags, named)
        console = Console()
        if values["optimize"]:
            given = {
                k: v
                for f in chosen or [default_format(registry)]
                for k, v in exporter_options(f, values, registry).items()
            }
            if given:
                raise ZooError(f"--optimize chooses the variant itself: drop --{next(iter(given)).replace('_', '-')}")
            report = _fastest(values["model"], chosen, values["out"], registry, console)
        elif len(chosen) > 1:
            raise ZooError(f"choose one format, not {' and '.join(chosen)}")
        else:
            format = chosen[0] if chosen else default_format(registry)
            given = exporter_options(format, values, registry)  # checked before the model loads (it may download)
            report = export(values["model"], format, values["out"], registry, **given)
        console.print(report.table(), highlight=False)
        console.print(f"wrote {report.path} (report: {report.path.name}.json)")

    params = [*own, *shortcut_parameters(flags, "--format"), *options]
    export_command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return export_command


def _fastest(model: str, formats: list[str], out: Path | None, registry: Any, console: Any) -> Any:
    """Time every variant of ``formats`` (default: all) for ``model`` and export the fastest
    that verifies, reduced precision at PSNR >= 40 dB; its report."""
    from zoo.api import export
    from zoo.exporting.bench import bench, ranked_variants
    from zoo.exporting.exporter import VerificationError
    from zoo.loading import load

    pipeline = load(model, device="cpu", registry=registry)
    rows = bench(pipeline, registry, repeats=5, warmup=1, formats=formats or None)
    for row in rows:
        timing = f"{row['latency_ms']:.3f} ms" if row["latency_ms"] else row["reason"]
        console.print(f"  {row['backend']}: {row['status']}, {timing}", highlight=False)
    failed = []
    for format, options, row in ranked_variants(rows, registry):
        try:
            report = export(model, format, out, registry, **options)
        except VerificationError as error:  # below 40 dB, say: the next fastest
            failed.append(f"{row['backend']}: {error}")
            console.print(f"not kept: {failed[-1]}", highlight=False)
            continue
        console.print(f"fastest verified: {row['backend']} ({row['speedup']:.2f}x eager)", highlight=False)
        return report
    raise ZooError(f"no variant kept its quality: {'; '.join(failed)}")


deferred_command("export", SUMMARY, build)
