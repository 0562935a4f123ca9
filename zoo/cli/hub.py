"""``zoo push`` and ``zoo card``: sharing a model on the Hugging Face Hub, and its card."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from zoo.api import load
from zoo.cli.app import app
from zoo.hub import is_repo_id, push


@app.command("push")
def push_command(
    model: Annotated[str, typer.Argument(help="A run folder, saved model folder, Hub repository or pretrained name.")],
    repo_id: Annotated[str, typer.Argument(help="The Hub repository, owner/name (created if missing).")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Also export, verify and upload model.onnx.")] = False,
    bench: Annotated[Path | None, typer.Option(help="A `zoo bench --json` table to publish with it.")] = None,
    samples: Annotated[int, typer.Option(help="Images in the sample grid (0: none).")] = 4,
    private: Annotated[bool, typer.Option("--private", help="Create the repository private.")] = False,
    branch: Annotated[str | None, typer.Option(help="Branch to commit to (default: main).")] = None,
    token: Annotated[str | None, typer.Option(help="Hub token (default: `hf auth login` or HF_TOKEN).")] = None,
) -> None:
    """Upload weights, config, model card and samples (and, if asked, ONNX and benchmark) to the Hub."""
    url = push(
        load(model, device="cpu"), repo_id, token=token, private=private or None, branch=branch, onnx=onnx,
        bench=bench, samples=samples,
    )  # fmt: skip
    typer.echo(f"pushed {model} to {repo_id}: {url}")


@app.command("card")
def card_command(
    model: Annotated[str, typer.Argument(help="A run folder, saved model folder, Hub repository or pretrained name.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the card here instead of printing it.")] = None,
    repo_id: Annotated[str | None, typer.Option(help="The repository the card is for.")] = None,
) -> None:
    """Render a model's card from its data, as `zoo push` would publish it."""
    from zoo.model_cards import model_card

    folder = Path(model)
    if repo_id is None and not folder.exists() and is_repo_id(model):
        repo_id = model
    card = model_card(load(model, device="cpu"), folder if folder.is_dir() else None, repo_id)
    if out is None:
        typer.echo(str(card))
    else:
        card.save(out)
        typer.echo(f"wrote {out}")
