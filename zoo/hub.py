"""The Hugging Face Hub, fetching: registered names and repository ids resolved to local folders
holding the files a loader asks for (``allow_patterns``), with failures that say what to do.

Everything goes through ``huggingface_hub``, so its cache, ``HF_HUB_OFFLINE``, ``HF_ENDPOINT``
and tokens (``hf auth login``, ``HF_TOKEN``) behave as everywhere in the ecosystem. It is
imported when the Hub is first used (its HTTP stack costs half a second that ``zoo list`` and
local loads need not pay), so those variables are read then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zoo.errors import UnknownNameError, ZooError
from zoo.registry import Registry

REPO_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


def is_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name))


def download(
    repo_id: str,
    revision: str | None = None,
    *,
    allow_patterns: Sequence[str] | None = None,
    cache_dir: str | Path | None = None,
    token: str | bool | None = None,
    local_files_only: bool = False,
    force_download: bool = False,
    what: str | None = None,
) -> Path:
    """The folder of ``repo_id`` at ``revision`` in the Hugging Face cache, holding the files that
    match ``allow_patterns`` (default: all), fetched if needed; failures say what was tried and
    what to do. ``what`` names the request (a registered name) in the messages."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
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
            allow_patterns=list(allow_patterns) if allow_patterns is not None else None,
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
    except GatedRepoError:  # before RepositoryNotFoundError, which it subclasses
        raise ZooError(
            f"{what}: {repo_id} on {constants.ENDPOINT} is gated: request access on {constants.ENDPOINT}/{repo_id}, "
            f"then log in with that account (`hf auth login`, or set HF_TOKEN)"
        ) from None
    except RepositoryNotFoundError:
        message = f"{what}: {_not_found(repo_id, what, token, constants.ENDPOINT)}"
        raise RepositoryMissing(message, repo_id, constants.ENDPOINT) from None
    except (EntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise ZooError(f"{what}: could not fetch {repo_id}{_at(revision)} from {constants.ENDPOINT}: {exc}") from None
    return Path(folder)


def resolve(name: str, revision: str | None, registry: Registry, **options: Any) -> Path:
    """A registered pretrained name or a Hub repository id, as a local folder (``options`` go to
    :func:`download`: which files, the cache, the token...)."""
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
    except RepositoryMissing as missing:
        if not entry.source:  # weights of the plugin's own making: nothing to convert
            raise
        where = f"{name}: {missing.repo_id} is not on {missing.endpoint}"
        raise ZooError(where + convert_yourself(name, entry)) from None


class RepositoryMissing(ZooError):
    """No repository of that id on the Hub that the caller can see."""

    def __init__(self, message: str, repo_id: str, endpoint: str):
        super().__init__(message)
        self.repo_id, self.endpoint = repo_id, endpoint


def convert_yourself(name: str, entry: Any) -> str:
    """How to have a registered model of converted official weights without its Hub copy: convert
    the official files, then load the folder, or push it to a repository of one's own."""
    files = f" (FILES: {entry.files})" if entry.files else ""
    return (
        f", so convert the official weights yourself{files}: zoo convert FILES --arch {entry.arch} --like {name} "
        f"--out DIR, then zoo.load('DIR'), or push DIR to your own namespace (zoo push DIR YOUR_NAME/{name}) and "
        f"zoo.load('YOUR_NAME/{name}')"
    )


def _not_found(repo_id: str, what: str, token: str | bool | None, endpoint: str) -> str:
    """The Hub answers alike for a missing repository and a private one the caller cannot see:
    say both, and what would give access."""
    from huggingface_hub import get_token

    local = "" if what != repo_id else f"no local folder {repo_id}, and "
    if token is False or (token is None and get_token() is None):
        access = "if it is private, reading it needs a login: `hf auth login`, or set HF_TOKEN"
    else:
        access = "if it is private, the token in use (HF_TOKEN, `hf auth login` or token=) has no access to it"
    return f"{local}no repository {repo_id} on {endpoint} that you can see; {access}"


def _named(what: str, repo_id: str) -> str:
    return repo_id if what == repo_id else f"{what} ({repo_id})"


def _at(revision: str | None) -> str:
    return f" at {revision}" if revision else ""
