"""``zoo push`` and ``zoo card``: sharing a model on the Hugging Face Hub, and its card.

(No ``from __future__ import annotations`` here: ``zoo push``'s help names the installed
exporters, which its annotations must hold as values, not as strings.)"""

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from zoo.cli.app import app, deferred_command
from zoo.registry import get_registry

PUSH = "Upload weights, config, model card and samples (and, if asked, exports and a benchmark) to the Hub."


def build_push() -> Any:
    """``zoo push``, with ``--export NAME`` and a shortcut flag per exporter that declares one."""
    from zoo.cli.formats import chosen_formats, shortcut_parameters, shortcuts

    registry = get_registry()
    names = ", ".join(entry.name for entry in registry.entries("exporter"))
    taken = {"export", "bench", "metrics", "samples", "private", "branch", "create-pr", "token", "help"}
    flags = shortcuts(registry, taken)

    def push_command(
        model: Annotated[
            str, typer.Argument(help="A run folder, saved model folder, Hub repository or pretrained name.")
        ],
        repo_id: Annotated[str, typer.Argument(help="The Hub repository, owner/name (created if missing).")],
        exports: Annotated[
            list[str] | None, typer.Option("--export", help=f"Also export, verify and upload this format ({names}).")
        ] = None,
        bench: Annotated[Path | None, typer.Option(help="A `zoo bench --json` table to publish with it.")] = None,
        metrics: Annotated[
            Path | None,
            typer.Option(help="A `zoo eval` metrics.json for the card's results (default: the one beside MODEL)."),
        ] = None,
        samples: Annotated[int, typer.Option(help="Images in the sample grid (0: none).")] = 4,
        private: Annotated[bool, typer.Option("--private", help="Create the repository private.")] = False,
        branch: Annotated[
            str | None, typer.Option(help="Branch to commit to, created from main if new (default: main).")
        ] = None,
        create_pr: Annotated[
            bool, typer.Option("--create-pr", help="Open a pull request (against --branch) instead of committing.")
        ] = False,
        token: Annotated[str | None, typer.Option(help="Hub token (default: `hf auth login` or HF_TOKEN).")] = None,
        **shortcut_values: bool,
    ) -> None:
        from zoo.loading import load
        from zoo.push import push

        formats = chosen_formats(shortcut_values, flags, [registry.get("exporter", f).name for f in exports or []])
        pipeline = load(model, device="cpu", registry=registry)
        beside = Path(model) / "metrics.json"
        if metrics is None and beside.is_file():
            metrics = beside
        url = push(
            pipeline, repo_id, registry, token=token, private=private or None, branch=branch, create_pr=create_pr,
            exports=formats, bench=bench, metrics=metrics, samples=samples,
        )  # fmt: skip
        typer.echo(f"pushed {model} to {repo_id}: {url}")

    signature = inspect.signature(push_command)
    params = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    shortcut_params = shortcut_parameters(flags, "--export")
    push_command.__signature__ = signature.replace(parameters=[*params, *shortcut_params])  # type: ignore[attr-defined]
    return push_command


deferred_command("push", PUSH, build_push)


@app.command("card")
def card_command(
    model: Annotated[str, typer.Argument(help="A run folder, saved model folder, Hub repository or pretrained name.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the card here instead of printing it.")] = None,
    repo_id: Annotated[str | None, typer.Option(help="The repository the card is for.")] = None,
) -> None:
    """Render a model's card from its data, as `zoo push` would publish it."""
    from zoo.hub import is_repo_id
    from zoo.loading import load
    from zoo.model_cards import model_card

    registry = get_registry()
    folder = Path(model)
    if repo_id is None and not folder.exists() and is_repo_id(model):
        repo_id = model
    pipeline = load(model, device="cpu", registry=registry)
    card = model_card(pipeline, registry, folder if folder.is_dir() else None, repo_id)
    if out is None:
        typer.echo(str(card))
    else:
        card.save(out)
        typer.echo(f"wrote {out}")
