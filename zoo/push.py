"""The Hugging Face Hub, publishing: a model pushed with its card, samples and, if asked, export
artifacts, to a branch or as a pull request; files of an earlier push that no longer hold are
removed, and nothing of the uploader's machine (local paths) is published."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from zoo.config import portable
from zoo.exporting.export import artifact_files, export_pipeline
from zoo.inference import PROVENANCE_NAME, InferencePipeline
from zoo.model_cards import model_card, render_samples
from zoo.registry import Registry

STALE = ["samples.png", "bench.json", "metrics.json", PROVENANCE_NAME]
"""What a push may publish besides the weights and the exporters' files, so an earlier push may
have left it; each exporter declares its own stale files (``Exporter.stale``)."""


def push(
    pipeline: InferencePipeline,
    repo_id: str,
    registry: Registry,
    *,
    token: str | None = None,
    private: bool | None = None,
    branch: str | None = None,
    create_pr: bool = False,
    commit_message: str = "Upload model with zoo",
    exports: Iterable[str] = (),
    bench: str | Path | None = None,
    metrics: str | Path | None = None,
    samples: int = 4,
    model_card_kwargs: Mapping[str, Any] | None = None,
    allow_patterns: list[str] | str | None = None,
    ignore_patterns: list[str] | str | None = None,
    delete_patterns: list[str] | str | None = None,
) -> str:
    """Upload ``pipeline`` to ``repo_id`` (created if missing): weights, config and provenance, the
    model card (``model_card_kwargs`` override its template's values), a grid of samples, the
    verified artifacts of the exporters named in ``exports`` (``zoo list exporter``) with their
    reports, a ``zoo bench --json`` table and a ``zoo eval`` ``metrics.json`` if given (the card's
    ``model-index`` is filled from the latter). ``branch`` is created from ``main`` if it
    does not exist; ``create_pr`` opens a pull request against it instead of committing. What an
    earlier push left and this one does not renew is removed (and what ``delete_patterns``
    names); ``allow_patterns``/``ignore_patterns`` filter what is uploaded, as for
    ``HfApi.upload_folder``. Returns the commit's URL (the pull request's, with ``create_pr``)."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    if branch is not None and not branch.startswith("refs/pr/"):  # a pull request's ref exists, or cannot be made
        api.create_branch(repo_id, branch=branch, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pipeline.save(folder, config=portable(pipeline.config.to_dict()))
        card = {"no_samples": "No samples were published with this model (it was pushed with samples=0)."}
        if samples:
            card["no_samples"] = render_samples(pipeline, folder / "samples.png", registry, samples) or ""
        for format in exports:
            publish_export(pipeline, format, registry, folder)
        if bench is not None:
            shutil.copyfile(bench, folder / "bench.json")
        if metrics is not None:
            shutil.copyfile(metrics, folder / "metrics.json")
        card |= model_card_kwargs or {}
        model_card(pipeline, registry, folder, repo_id, **card).save(folder / "README.md")
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            commit_message=commit_message,
            revision=branch,
            create_pr=create_pr,
            allow_patterns=allow_patterns,
            ignore_patterns=ignore_patterns,
            delete_patterns=[*stale_patterns(registry), *_patterns(delete_patterns)],
        )
    return str(info.pr_url if create_pr and info.pr_url else info)


def publish_export(pipeline: InferencePipeline, format: str, registry: Registry, folder: Path) -> None:
    """Export into a scratch folder and move into ``folder`` what the artifact is made of (the
    file, its companions, its reports), not what the build leaves for this machine alone."""
    with tempfile.TemporaryDirectory() as scratch:
        report = export_pipeline(pipeline, format, registry, folder=scratch)
        for path in artifact_files(report.path, registry.get("exporter", report.format).obj):
            shutil.move(path, folder / path.name)


def _patterns(given: list[str] | str | None) -> list[str]:
    return [] if given is None else [given] if isinstance(given, str) else list(given)


def stale_patterns(registry: Registry) -> list[str]:
    """Files of an earlier push that a new one removes unless it writes them again."""
    return [*STALE, *(pattern for entry in registry.entries("exporter") for pattern in entry.obj.stale)]
