"""``zoo eval``: run a model over a data set (or a single-image model's samples) and measure it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoo.cli.app import app


@app.command("eval")
def eval_command(
    model: Annotated[
        str, typer.Argument(help="Anything zoo.load takes: a saved model, run or checkpoint folder, a name.")
    ],
    metric: Annotated[
        list[str],
        typer.Option("--metric", "-M", help="A metric (zoo list metric), repeatable: fid, kid, segmentation..."),
    ],
    data: Annotated[
        str | None, typer.Option("--data", help="The data set (zoo list dataset); default: the model's own.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            help="KEY=VALUE: data.root=..., data.split=val, fid.file=..., segmentation.segmenter=..., "
            "model.KEY for the options of the model's own protocols (a wrong key lists them)",
        ),
    ] = None,
    count: Annotated[int | None, typer.Option("--count", min=1, help="Images to make (default: one an item).")] = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 4,
    variants: Annotated[int, typer.Option("--variants", min=0, help="Extra outputs an input, for diversity.")] = 0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Folder for metrics.json (default: the model's folder).")
    ] = None,
    device: Annotated[str | None, typer.Option("--device")] = None,
) -> None:
    """Measure a model with the papers' metrics; writes metrics.json (which model cards read) and prints a table."""
    from rich.console import Console
    from rich.table import Table

    from zoo.config import parse_overrides, portable
    from zoo.errors import ConfigError
    from zoo.evaluation import build_metrics, evaluate, write_metrics
    from zoo.loading import load
    from zoo.registry import get_registry

    registry = get_registry()
    settings = parse_overrides(set_ or [])
    unknown = set(settings) - {"data", "model", *metric}
    if unknown:
        raise ConfigError(
            f"--set {sorted(unknown)[0]}.…: set data.KEY, model.KEY or METRIC.KEY for a metric given with --metric"
        )
    folder = output or (Path(model) if Path(model).is_dir() else None)
    if folder is None:
        raise ConfigError(f"{model} is not a local folder: give --output for metrics.json")
    metrics = build_metrics(registry, metric, {name: settings.get(name, {}) for name in metric})
    pipe = load(model, device=device)
    name = data or pipe.config.data.name
    own = data is None or registry.get("dataset", data).name == pipe.config.data.name
    options = (pipe.config.data.options if own else {}) | settings.get("data", {})  # its own: as trained
    dataset = registry.create("dataset", name, **options)
    result = evaluate(pipe, dataset, metrics, name, count, batch_size, seed, variants, options=settings.get("model"))
    result.protocol["data"] = portable({"name": name, **options})  # split, sizes; a root by its last part only
    path = write_metrics(folder, result)
    table = Table(
        "metric",
        "value",
        title=f"{model} on {name} ({result.images} images, {result.resolution[1]}x{result.resolution[0]})",
    )
    for key, value in result.values.items():
        table.add_row(key, f"{value:.4f}")
    Console().print(table)
    typer.echo(f"wrote {path}")
