"""The Hugging Face Hub: names and repository ids resolved to downloaded model folders, and
models pushed with their card, samples and (if asked) export artifacts.

Everything goes through ``huggingface_hub``, so its cache, ``HF_HUB_OFFLINE``, ``HF_ENDPOINT``
and tokens (``hf auth login``, ``HF_TOKEN``) behave as everywhere in the ecosystem. It is
imported when the Hub is first used (its HTTP stack costs half a second that ``zoo list`` and
local loads need not pay), so those variables are read then.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from zoo.errors import UnknownNameError, ZooError
from zoo.exporting.export import artifact_files, export_pipeline
from zoo.inference import InferencePipeline
from zoo.model_cards import model_card, write_samples
from zoo.registry import Registry

REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")
STALE = ["samples.png", "bench.json"]
"""What a push publishes besides the weights and the exporters' files, and an earlier push may
have left; each exporter declares its own stale files (``Exporter.stale``)."""


def is_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name))


def download(
    repo_id: str,
    revision: str | None = None,
    *,
    cache_dir: str | Path | None = None,
    token: str | bool | None = None,
    local_files_only: bool = False,
    force_download: bool = False,
    what: str | None = None,
) -> Path:
    """The model folder of ``repo_id`` at ``revision`` from the Hugging Face cache, fetched if
    needed; failures say what was tried and what to do. ``what`` names the request (a
    registered name) in the messages."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    what = what or repo_id
    try:
        folder = snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            token=token,
            local_files_only=local_files_only,
            force_download=force_download,
        )
    except (LocalEntryNotFoundError, OfflineModeIsEnabled):
        if constants.HF_HUB_OFFLINE or local_files_only:
            why = "offline (HF_HUB_OFFLINE is set) the Hub was not asked: unset it once to download it"
        else:
            why = f"the Hub ({constants.ENDPOINT}) could not be reached: check the connection or HF_ENDPOINT"
        raise ZooError(
            f"{_named(what, repo_id)}{_at(revision)} is not in the Hugging Face cache, and {why}; or load a local copy "
            f"with zoo.load(PATH)"
        ) from None
    except RevisionNotFoundError:
        raise ZooError(f"{what}: {repo_id} has no revision {revision!r} on {constants.ENDPOINT}") from None
    except RepositoryNotFoundError:
        local = "" if what != repo_id else f"no local folder {repo_id}, and "
        raise ZooError(
            f"{what}: {local}no repository {repo_id} on {constants.ENDPOINT} (or it is private: log in with "
            f"`hf auth login` or set HF_TOKEN)"
        ) from None
    except (EntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise ZooError(f"{what}: could not fetch {repo_id}{_at(revision)} from {constants.ENDPOINT}: {exc}") from None
    return Path(folder)


def resolve(name: str, revision: str | None, registry: Registry, **options: Any) -> Path:
    """A registered pretrained name or a Hub repository id, as a local model folder."""
    try:
        entry = registry.get("pretrained", name).obj
    except UnknownNameError as unknown:
        if is_repo_id(name):
            return download(name, revision, **options)
        raise ZooError(
            f"{name!r} is not a local file or folder, a Hub repository id (owner/name), or a registered "
            f"pretrained name ({unknown})"
        ) from None
    try:
        return download(entry.repo_id, revision or entry.revision, what=name, **options)
    except ZooError as exc:
        raise ZooError(
            f"{exc}.\nThe registered model {name} lives at {entry.repo_id}; zoo does not host the official "
            f"weights: convert them (`zoo convert FILES --arch {entry.arch} --like {name} --out DIR`) and push "
            f"them (`zoo push DIR {entry.repo_id}`), or zoo.load(DIR)"
        ) from None


def push(
    pipeline: InferencePipeline,
    repo_id: str,
    registry: Registry,
    *,
    token: str | None = None,
    private: bool | None = None,
    branch: str | None = None,
    commit_message: str = "Upload model with zoo",
    exports: Iterable[str] = (),
    bench: str | Path | None = None,
    samples: int = 4,
) -> str:
    """Upload ``pipeline`` to ``repo_id``: weights, config and provenance, the model card, a grid
    of samples, the verified artifacts of the exporters named in ``exports`` (``zoo list
    exporter``) with their reports, and a ``zoo bench --json`` table if given. What an earlier
    push left and this one does not renew is removed. Returns the commit's URL."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    repo_id = api.create_repo(repo_id, private=private, exist_ok=True).repo_id
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pipeline.save(folder)
        if samples:
            write_samples(pipeline, folder / "samples.png", registry, samples)
        for format in exports:
            publish_export(pipeline, format, registry, folder)
        if bench is not None:
            shutil.copyfile(bench, folder / "bench.json")
        model_card(pipeline, registry, folder, repo_id).save(folder / "README.md")
        info = api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            commit_message=commit_message,
            revision=branch,
            delete_patterns=stale_patterns(registry),  # what an earlier push published and this one may not
        )
    return str(info)


def publish_export(pipeline: InferencePipeline, format: str, registry: Registry, folder: Path) -> None:
    """Export into a scratch folder and move into ``folder`` what the artifact is made of (the
    file, its companions, its reports), not what the build leaves for this machine alone."""
    with tempfile.TemporaryDirectory() as scratch:
        report = export_pipeline(pipeline, format, registry, folder=scratch)
        for path in artifact_files(report.path, registry.get("exporter", report.format).obj):
            shutil.move(path, folder / path.name)


def stale_patterns(registry: Registry) -> list[str]:
    """Files of an earlier push that a new one removes unless it writes them again."""
    return [*STALE, *(pattern for entry in registry.entries("exporter") for pattern in entry.obj.stale)]


def _named(what: str, repo_id: str) -> str:
    return repo_id if what == repo_id else f"{what} ({repo_id})"


def _at(revision: str | None) -> str:
    return f" at {revision}" if revision else ""
