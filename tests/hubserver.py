"""A small Hugging Face Hub-compatible HTTP server on loopback, for tests that run the real `huggingface_hub` client.

`HubServer` serves model repositories from memory (mirrored under a folder when one is given) on
``http://127.0.0.1:<free port>``, answering exactly the routes that the installed client (huggingface_hub 2.x) calls for
`HfApi.create_repo` (also private), `HfApi.upload_folder` / `create_commit` / `upload_file` (to a branch, to an
existing ``refs/pr/N``, or with ``create_pr=True``), `create_branch`, `list_repo_refs`, `create_pull_request` /
`get_discussion_details`, `repo_info` / `model_info`, `list_repo_tree` / `list_repo_files`, `hf_hub_download`,
`snapshot_download` and `ModelHubMixin.push_to_hub` / `from_pretrained`. No request ever leaves the machine.

Usage::

    from hubserver import HubServer

    with HubServer(tmp_path / "hub") as hub:
        api = HfApi(endpoint=hub.endpoint, token="hf_test")
        api.create_repo("user/model")
        api.upload_folder(repo_id="user/model", folder_path=folder)
        path = snapshot_download("user/model", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
        assert ("HEAD", "/user/model/resolve/<sha>/config.json") in hub.requests
        assert "config.json" in hub.downloaded("user/model")  # its bytes were fetched by GET

        api.create_branch("user/model", branch="dev")  # at the head of main; 409 if it exists, unless exist_ok=True
        api.upload_folder(repo_id="user/model", folder_path=folder, revision="dev")
        info = api.upload_folder(repo_id="user/model", folder_path=folder, create_pr=True)
        assert info.pr_revision == "refs/pr/1" and hub.pull_requests("user/model")[0].ref == "refs/pr/1"

        hub.create_repo("user/gated", gated="manual")  # downloads refused: GatedRepoError
        hub.create_repo("user/private", private=True)  # answers like a missing repo: RepositoryNotFoundError
        hub.grant("user/gated", "hf_test")  # now that token downloads as from a public repo

Pointing the client at the server:

* Wherever the API takes it, pass the endpoint explicitly: ``HfApi(endpoint=hub.endpoint)``,
  ``hf_hub_download(..., endpoint=hub.endpoint)``, ``snapshot_download(..., endpoint=hub.endpoint)``.
* The client reads ``HF_ENDPOINT`` once, at import, so setting the environment variable in a test does nothing. For
  code that takes no endpoint (``ModelHubMixin.push_to_hub`` builds ``HfApi(token=token)``; ``from_pretrained`` calls
  ``hf_hub_download`` without one; the module-level ``huggingface_hub.create_repo`` etc. are methods of the default
  ``huggingface_hub.hf_api.api`` object), call ``hub.patch_client(monkeypatch)``. It monkeypatches:

  - ``huggingface_hub.constants.ENDPOINT`` (read at call time by ``HfApi()``, ``RepoUrl``, the commit API),
  - ``huggingface_hub.constants.HUGGINGFACE_CO_URL_TEMPLATE`` (the resolve URL template, built from ``ENDPOINT`` at
    import: ``hf_hub_url`` formats it, so every ``hf_hub_download`` without ``endpoint=`` goes where it points),
  - ``huggingface_hub.constants.HF_URL_HOSTS`` (hosts computed at import from ``ENDPOINT``; used to parse Hub web URLs),
  - ``huggingface_hub.hf_api.api.endpoint`` (the default ``HfApi`` instance, created at import),

  and, also needed when every endpoint is passed explicitly, sets ``constants.HF_HUB_DISABLE_TELEMETRY = True`` (else
  the first request of the process, to build its user-agent, may fetch ``{constants.ENDPOINT}/api/agent-harnesses``
  from the real Hub and cache it in ``~/.cache/huggingface``) and ``constants.HF_HUB_OFFLINE = False``. Pass
  ``default_endpoint=False`` to apply only the last two. ``monkeypatch`` undoes all of it at the end of the test.
* Pass ``token=...`` (any string) and ``cache_dir=...`` explicitly: writes without an ``Authorization`` header are
  refused with 401 like on the Hub (``HubServer(require_token=False)`` lifts that), and the default cache is the
  user's ``~/.cache/huggingface/hub``.

Uploads never use LFS or Xet: the preupload route answers ``uploadMode: "regular"`` for every file, so the client
sends each file base64-encoded inline in the NDJSON commit payload (``key: "file"``), and the resolve route sends no
``X-Xet-Hash`` header, so downloads are plain HTTP GETs. A commit that still names an ``lfsFile`` is refused with 400.
With ``hf_xet`` installed, ``upload_folder`` takes its pipelined path, which creates the process-wide ``XetSession``
(no request; it only writes a log under ``$HF_XET_CACHE``, default ``~/.cache/huggingface/xet/logs``);
``monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)`` selects the single ``create_commit`` path instead.
With ``create_pr=True`` that pipeline opens a draft pull request (``POST .../discussions``, then
``GET .../discussions/{num}``) and commits to its ``refs/pr/N``; ``create_commit`` sends ``?create_pr=1`` instead.

Routes (model repositories only, ids ``namespace/name``; other repo types answer ``RepoNotFound``)::

    GET    /api/whoami-v2                                   the user "hubuser" (401 without a token)
    GET    /api/agent-harnesses                             empty registry (user-agent agent detection)
    POST   /api/validate-yaml                               README.md front matter check (create_commit)
    POST   /api/repos/create                                create_repo (409 if it exists; "visibility": "private")
    DELETE /api/repos/delete                                delete_repo
    GET    /api/models/{repo_id}[/revision/{rev}]           model_info / repo_info (sha, siblings, private, gated)
    GET    /api/models/{repo_id}/tree/{rev}[/{path}]        list_repo_tree (?recursive=), used by snapshot_download
    GET    /api/models/{repo_id}/refs                       list_repo_refs: branches (?include_prs=1: and PR refs)
    POST   /api/models/{repo_id}/branch/{branch}            create_branch at "startingPoint" (default main); 409 if
                                                            it exists, 400 for a name like refs/pr/5
    POST   /api/models/{repo_id}/preupload/{ref}            upload modes: always "regular", oid of the remote file
                                                            (?create_pr=1: {ref} is the PR's target branch)
    POST   /api/models/{repo_id}/commit/{ref}               NDJSON commit: header, file (base64), deletedFile/Folder;
                                                            ?create_pr=1: to a new refs/pr/N, answering pullRequestUrl
    POST   /api/models/{repo_id}/discussions                create_pull_request: a draft PR at main (no discussions)
    GET    /api/models/{repo_id}/discussions/{num}          get_discussion_details of a pull request
    HEAD   /{repo_id}/resolve/{rev}/{path}                  X-Repo-Commit, ETag (git blob sha1), Content-Length
    GET    /{repo_id}/resolve/{rev}/{path}                  the bytes (Range supported)

``{ref}`` is a branch or an existing pull request's ``refs/pr/N`` (the client quotes it, ``refs%2Fpr%2F1``); ``{rev}``
is also a commit sha. A commit to a ref that does not exist answers 404 ``RevisionNotFound``.

Errors are the Hub's: status 404 with ``X-Error-Code: RepoNotFound`` (-> ``RepositoryNotFoundError``; 401 when asked
without a token, see Access), ``RevisionNotFound`` (-> ``RevisionNotFoundError``) or ``EntryNotFound``
(-> ``RemoteEntryNotFoundError``, with ``X-Repo-Commit`` so the client caches the miss), 401/403 ``GatedRepo``, 409
for a repo or branch that exists, and a JSON body ``{"error": message}``.

Access: every token is the user ``hubuser``, and the token that creates a repo through the client owns it. A private
repo, to a request without a token its owner's or one given by ``hub.grant(repo_id, token)``, answers every route
(writes too, but not a second create_repo: 409) exactly like a missing repo: 401 without a token, 404 with one,
``X-Error-Code: RepoNotFound``. A gated repo (``hub.create_repo(repo_id, gated="auto" | "manual")``) keeps, as on the
Hub, its model info and file listing public and refuses the resolve route (HEAD and GET) without access: 401 without a
token, 403 with one, ``X-Error-Code: GatedRepo`` (-> ``GatedRepoError``, a subclass of ``RepositoryNotFoundError``) and
the Hub's ``X-Error-Message``. Write permission is not modelled: any token may write to (or open a pull request on) a
repo it can see.

Storage: ``{repo_id: {"refs": {ref: sha}, "commits": {sha: {path: blob oid}}, "pulls": [...], "readers": [token]}}``
plus content-addressed blobs; refs are branches (``main`` is created with the repo) and the ``refs/pr/N`` of pull
requests, numbered 1, 2, ... per repo, each starting from the head of its target branch (or the commit's
``parentCommit``). Commit shas are 40 hex characters (sha1 of the commit record), blob oids are git blob sha1s (what the
Hub uses as ETag of a regular file). A new repo gets one empty initial commit (no ``.gitattributes``). Each request is
recorded in ``hub.requests`` as ``(method, path)`` (path as sent, without the query), e.g. to assert that an offline
load made no request; ``hub.tokens`` lists the bearer tokens received; ``hub.downloads`` lists
``(repo_id, revision, path)`` for each GET on the resolve route that sent the bytes, and ``hub.downloaded(repo_id)`` is
the set of those paths (HEADs, refusals and files the client took from its cache are not in it).

Server side, without the client: ``hub.create_repo(repo_id, private=False, gated=False, exist_ok=False)``,
``hub.grant(repo_id, token)``, ``hub.commit(repo_id, {path: bytes}, delete=[...], branch="main")`` (returns the sha),
``hub.create_branch(repo_id, branch, revision="main", exist_ok=False)`` (returns the sha it points at),
``hub.branches(repo_id)`` (sorted names), ``hub.pull_requests(repo_id)`` (``PullRequest`` records: ``num``, ``ref``,
``target``, ``title``, ``description``, ``status``), ``hub.files(repo_id, revision)`` (path -> bytes),
``hub.head(repo_id, ref)``, ``hub.commits(repo_id)``, ``hub.repo_ids``; they ignore access and raise ``HubError`` for
unknown repos or revisions. ``hub.stop()`` closes the port (later requests get a connection error, so the client falls
back to its cache); ``hub.endpoint`` keeps the old address.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["USER", "HubError", "HubServer", "PullRequest"]

USER = "hubuser"
"""The user that `/api/whoami-v2` reports for any token, and the namespace of a repo created without one."""

_SHA = re.compile(r"[0-9a-f]{40}")
_TRUE = {"1", "true", "True"}
_BRANCH = re.compile(r"[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*")

Gated = Literal[False, "auto", "manual"]
"""The `gated` field of the Hub's model info: `False`, or how access requests are approved."""


class HubError(Exception):
    """An error answered like the Hub: status, optional `X-Error-Code`, JSON body `{"error": message}`."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = dict(headers or {})


def git_blob_oid(data: bytes) -> str:
    """The git blob sha1 of `data`: the oid (and ETag) that the Hub gives a regular file."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Commit:
    """One commit: its full file listing (path -> blob oid) and metadata."""

    sha: str
    parent: str | None
    title: str
    description: str
    date: str
    files: dict[str, str]


@dataclass
class PullRequest:
    """A pull request: its changes live on the ref `refs/pr/{num}`, to be merged into the branch `target`."""

    num: int
    title: str
    description: str
    target: str
    created_at: str
    status: str = "open"
    """`"open"` when opened by a commit with `create_pr`, `"draft"` when opened empty (`create_pull_request`)."""

    @property
    def ref(self) -> str:
        return f"refs/pr/{self.num}"


@dataclass
class Repo:
    """A model repository: refs (branches, and `refs/pr/N` for pull requests) -> commit sha, commits, access."""

    repo_id: str
    created_at: str
    private: bool = False
    gated: Gated = False
    readers: set[str] = field(default_factory=set)
    """Tokens that may see a private repo and download from a gated one: its creator's and those granted."""
    refs: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    pulls: list[PullRequest] = field(default_factory=list)


class HubServer:
    """A Hub-compatible HTTP server on 127.0.0.1 with a free port, served from a background thread.

    Args:
        root: Folder mirroring the repositories (`state.json` and `blobs/`); a server started on the same folder
            sees them again. `None` keeps everything in memory.
        require_token: Refuse writes (create, delete, branch, preupload, commit, pull request) without an
            `Authorization` header, with 401.
    """

    def __init__(self, root: str | Path | None = None, *, require_token: bool = True) -> None:
        self.root = Path(root) if root is not None else None
        self.require_token = require_token
        self.requests: list[tuple[str, str]] = []
        """`(method, path)` of every request, in arrival order; the path as sent, without the query."""
        self.tokens: list[str] = []
        """The bearer token of every request that sent one."""
        self.downloads: list[tuple[str, str, str]] = []
        """`(repo_id, revision, path)` of every GET on the resolve route that sent a file's bytes (200 or 206), the
        revision as asked (a branch, `refs/pr/N` or sha)."""
        self._lock = threading.RLock()
        self._repos: dict[str, Repo] = {}
        self._blobs: dict[str, bytes] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._endpoint: str | None = None
        self._thread: threading.Thread | None = None
        if self.root is not None:
            self._load()

    # ------------------------------------------------------------------ lifecycle

    @property
    def endpoint(self) -> str:
        """`http://127.0.0.1:PORT`, to pass as `endpoint=` to the client; kept after `stop()` (nothing answers then)."""
        if self._endpoint is None:
            raise RuntimeError("HubServer was never started; call start() or use it as a context manager")
        return self._endpoint

    @property
    def running(self) -> bool:
        return self._httpd is not None

    def start(self) -> HubServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.hub = self  # type: ignore[attr-defined]
        self._httpd = httpd
        host, port = httpd.server_address[:2]
        self._endpoint = f"http://{host}:{port}"
        self._thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), name="hubserver", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port: later requests fail with a connection error (idempotent)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> HubServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def patch_client(self, monkeypatch: Any, *, default_endpoint: bool = True) -> None:
        """Point the client's defaults at this server and keep it off the internet, for the test's duration.

        `monkeypatch` is pytest's fixture (anything with `setattr(obj, name, value)`). See the module docstring.
        """
        import huggingface_hub.hf_api
        from huggingface_hub import constants

        monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        if not default_endpoint:
            return
        endpoint = self.endpoint
        monkeypatch.setattr(constants, "ENDPOINT", endpoint)
        template = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
        monkeypatch.setattr(constants, "HF_URL_HOSTS", constants.HF_URL_HOSTS | {"127.0.0.1"})
        monkeypatch.setattr(huggingface_hub.hf_api.api, "endpoint", endpoint)

    # ------------------------------------------------------------------ server-side API for tests

    def create_repo(self, repo_id: str, *, private: bool = False, gated: Gated = False, exist_ok: bool = False) -> None:
        """Create a model repo with an empty initial commit on `main` (as `HfApi.create_repo` does).

        A `private` repo is invisible, and a `gated` one (`"auto"` or `"manual"`, as the Hub reports it) refuses
        downloads, to every token but those given access with `grant` (and, through the client, the creator's).
        """
        with self._lock:
            if repo_id in self._repos:
                if exist_ok:
                    return
                raise HubError(409, "You already created this model repo")
            if gated not in (False, "auto", "manual"):
                raise ValueError(f"gated must be False, 'auto' or 'manual', not {gated!r}")
            repo = Repo(repo_id=repo_id, created_at=_now(), private=private, gated=gated)
            self._repos[repo_id] = repo
            self._commit(repo, "main", {}, (), parent=None, title="initial commit")

    def grant(self, repo_id: str, token: str) -> None:
        """Let requests with `token` see the private repo `repo_id` and download from it if it is gated."""
        with self._lock:
            self._repo(repo_id).readers.add(token)
            self._save()

    def delete_repo(self, repo_id: str) -> None:
        with self._lock:
            self._repo(repo_id)
            del self._repos[repo_id]
            self._save()

    def commit(
        self,
        repo_id: str,
        files: Mapping[str, bytes],
        *,
        delete: Iterable[str] = (),
        message: str = "Commit from HubServer",
        branch: str = "main",
    ) -> str:
        """Commit `files` (path -> bytes) and delete the paths `delete` on `branch` (or a `refs/pr/N`); returns the
        new commit sha."""
        with self._lock:
            repo = self._repo(repo_id)
            return self._commit(repo, branch, files, delete, parent=self._branch(repo, branch), title=message).sha

    def create_branch(self, repo_id: str, branch: str, *, revision: str = "main", exist_ok: bool = False) -> str:
        """Create `branch` at `revision` (a branch, `refs/pr/N` or commit sha), as `HfApi.create_branch` does;
        returns the commit sha it points at (the existing one if `exist_ok` and it exists)."""
        with self._lock:
            repo = self._repo(repo_id)
            try:
                return self._create_branch(repo, branch, revision)
            except HubError as error:
                if exist_ok and error.status == 409:
                    return repo.refs[branch]
                raise

    def branches(self, repo_id: str) -> list[str]:
        """The branch names of `repo_id`, sorted (pull request refs are not branches)."""
        with self._lock:
            return sorted(ref for ref in self._repo(repo_id).refs if not ref.startswith("refs/"))

    def pull_requests(self, repo_id: str) -> list[PullRequest]:
        """The pull requests of `repo_id`, in the order opened (numbers 1, 2, ...); `hub.files(repo_id, pr.ref)` has
        a pull request's files and `hub.head(repo_id, pr.ref)` its last commit."""
        with self._lock:
            return [replace(pull) for pull in self._repo(repo_id).pulls]

    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        """The files of `repo_id` at `revision` (a branch, `refs/pr/N` or commit sha): path -> bytes."""
        with self._lock:
            commit = self._resolve(self._repo(repo_id), revision)
            return {path: self._blobs[oid] for path, oid in sorted(commit.files.items())}

    def head(self, repo_id: str, branch: str = "main") -> str:
        """The commit sha that `branch` (or a `refs/pr/N`) points at."""
        with self._lock:
            return self._resolve(self._repo(repo_id), branch).sha

    def commits(self, repo_id: str) -> list[str]:
        """The commit shas of `repo_id`, oldest first."""
        with self._lock:
            return list(self._repo(repo_id).commits)

    def downloaded(self, repo_id: str) -> set[str]:
        """The paths in `repo_id` whose bytes were sent (GET on the resolve route, at any revision; HEADs, errors and
        cached files the client did not fetch again are not downloads)."""
        return {path for repo, _, path in self.downloads if repo == repo_id}

    @property
    def repo_ids(self) -> list[str]:
        with self._lock:
            return sorted(self._repos)

    # ------------------------------------------------------------------ storage

    def _repo(self, repo_id: str) -> Repo:
        repo = self._repos.get(repo_id)
        if repo is None:
            raise HubError(404, f"Repository {repo_id} not found", "RepoNotFound")
        return repo

    def _visible(self, repo_id: str, token: str | None) -> Repo:
        """`repo_id` as a request with `token` sees it. A missing repo and a private one the token may not see answer
        alike, as on the Hub: 401 without a token (the client's "Invalid username or password" case), 404 with one;
        both carry `X-Error-Code: RepoNotFound` (-> `RepositoryNotFoundError`)."""
        repo = self._repos.get(repo_id)
        if repo is None or (repo.private and token not in repo.readers):
            if token is None:
                raise _with_message(HubError(401, "Invalid username or password.", "RepoNotFound"))
            raise _with_message(HubError(404, "Repository not found", "RepoNotFound"))
        return repo

    def _check_download(self, repo: Repo, token: str | None) -> None:
        """Refuse a file of a gated repo to a token without access, as the Hub does: its metadata and file listing
        stay public, the bytes answer `X-Error-Code: GatedRepo` (-> `GatedRepoError`), 401 without a token and 403
        with one."""
        if not repo.gated or token in repo.readers:
            return
        if token is None:
            message = (
                f"Access to model {repo.repo_id} is restricted. You must have access to it and be authenticated to "
                "access it. Please log in."
            )
            raise _with_message(HubError(401, message, "GatedRepo"))
        message = (
            f"Access to model {repo.repo_id} is restricted and you are not in the authorized list. "
            f"Visit {self.endpoint}/{repo.repo_id} to ask for access."
        )
        raise _with_message(HubError(403, message, "GatedRepo"))

    def _resolve(self, repo: Repo, revision: str) -> Commit:
        sha = repo.refs.get(revision)
        if sha is None and _SHA.fullmatch(revision) and revision in repo.commits:
            sha = revision
        if sha is None:
            raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")
        return repo.commits[sha]

    def _branch(self, repo: Repo, ref: str) -> Commit:
        """The head commit of `ref`, which must be a branch or a pull request's `refs/pr/N`: commits go to refs only."""
        if ref not in repo.refs:
            raise HubError(404, f"Invalid rev id: {ref} is not a branch of {repo.repo_id}", "RevisionNotFound")
        return repo.commits[repo.refs[ref]]

    def _create_branch(self, repo: Repo, branch: str, revision: str) -> str:
        """Point the new `branch` at `revision`: 400 for a name no branch may have (`refs/...`), 409 if it exists."""
        if branch.startswith("refs/") or _SHA.fullmatch(branch) or not _BRANCH.fullmatch(branch) or ".." in branch:
            raise HubError(400, f"Invalid reference for a branch: {branch}")
        if branch in repo.refs:
            raise HubError(409, f"Reference already exists: refs/heads/{branch}")
        sha = self._resolve(repo, revision).sha
        repo.refs[branch] = sha
        self._save()
        return sha

    def _add_pull_request(self, repo: Repo, pull: PullRequest) -> PullRequest:
        """Record `pull`, whose ref the caller has just pointed at its first commit."""
        repo.pulls.append(pull)
        self._save()
        return pull

    def _commit(
        self,
        repo: Repo,
        ref: str,
        files: Mapping[str, bytes],
        delete: Iterable[str],
        *,
        parent: Commit | None,
        title: str,
        description: str = "",
        deleted_folders: Iterable[str] = (),
    ) -> Commit:
        """Commit on top of `parent` (`None` for a repo's first commit) and point `ref` at the new commit; nothing
        changes if an operation is refused."""
        listing = dict(parent.files) if parent is not None else {}
        for path in delete:
            if listing.pop(path, None) is None:
                raise HubError(404, f"A file with this name doesn't exist: {path}", "EntryNotFound")
        for folder in deleted_folders:
            prefix = folder.strip("/") + "/"
            inside = [path for path in listing if path.startswith(prefix)]
            if not inside:
                raise HubError(404, f"A folder with this name doesn't exist: {folder}", "EntryNotFound")
            for path in inside:
                del listing[path]
        for path, data in files.items():
            _check_path(path)
            oid = git_blob_oid(data)
            self._blobs[oid] = bytes(data)
            listing[path] = oid
            if self.root is not None:
                blob = self.root / "blobs" / oid
                if not blob.exists():
                    blob.parent.mkdir(parents=True, exist_ok=True)
                    blob.write_bytes(data)
        date = _now()
        record = json.dumps(
            [parent.sha if parent else None, title, description, date, len(repo.commits), sorted(listing.items())]
        )
        commit = Commit(
            sha=hashlib.sha1(record.encode()).hexdigest(),
            parent=parent.sha if parent else None,
            title=title,
            description=description,
            date=date,
            files=listing,
        )
        repo.commits[commit.sha] = commit
        repo.refs[ref] = commit.sha
        self._save()
        return commit

    def _save(self) -> None:
        if self.root is None:
            return
        state = {
            repo_id: {
                "created_at": repo.created_at,
                "private": repo.private,
                "gated": repo.gated,
                "readers": sorted(repo.readers),
                "refs": repo.refs,
                "commits": [vars(commit) for commit in repo.commits.values()],
                "pulls": [vars(pull) for pull in repo.pulls],
            }
            for repo_id, repo in self._repos.items()
        }
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.root / "state.json")

    def _load(self) -> None:
        assert self.root is not None
        state_file = self.root / "state.json"
        if not state_file.exists():
            return
        for repo_id, data in json.loads(state_file.read_text()).items():
            repo = Repo(
                repo_id=repo_id,
                created_at=data["created_at"],
                private=data["private"],
                gated=data["gated"],
                readers=set(data["readers"]),
                refs=data["refs"],
                pulls=[PullRequest(**record) for record in data["pulls"]],
            )
            for record in data["commits"]:
                commit = Commit(**record)
                repo.commits[commit.sha] = commit
                for oid in commit.files.values():
                    if oid not in self._blobs:
                        self._blobs[oid] = (self.root / "blobs" / oid).read_bytes()
            self._repos[repo_id] = repo

    # ------------------------------------------------------------------ routes

    def _handle(self, request: _Handler) -> None:
        method = request.command
        url = urlsplit(request.path)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        self.requests.append((method, url.path))
        auth = request.headers.get("Authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else None
        if token:
            self.tokens.append(token)
        segments = [unquote(part) for part in url.path.split("/")[1:]]

        if segments[:1] == ["api"]:
            self._api(request, method, segments[1:], query, token)
        elif segments[0] in ("datasets", "spaces", "kernels") or segments[1:2] == ["resolve"]:
            raise HubError(404, "HubServer hosts model repos named namespace/name only", "RepoNotFound")
        elif len(segments) >= 5 and segments[2] == "resolve" and method in ("GET", "HEAD"):
            repo_id = "/".join(segments[:2])
            self._resolve_file(request, method, repo_id, segments[3], "/".join(segments[4:]), token)
        else:
            raise HubError(404, f"Not found: {method} {url.path}")

    def _api(self, request: _Handler, method: str, route: list[str], query: dict[str, str], token: str | None) -> None:
        match method, route:
            case "GET", ["whoami-v2"]:
                if token is None:
                    raise _unauthorized()
                request.send_json(_whoami())
            case "GET", ["agent-harnesses"]:
                request.send_json({"standardEnvVars": [], "harnesses": {}})
            case "POST", ["validate-yaml"]:
                request.send_json(_validate_yaml(request.read_json().get("content", "")))
            case "POST", ["repos", "create"]:
                self._require(token)
                body = request.read_json()
                if body.get("type", "model") != "model":
                    raise HubError(400, f"HubServer hosts model repos only, not {body['type']!r} repos")
                repo_id = f"{body.get('organization') or USER}/{body['name']}"
                created = {"url": f"{self.endpoint}/{repo_id}", "name": repo_id, "id": repo_id}
                if repo_id in self._repos:  # the Hub's 409 carries the url, which exist_ok=True returns
                    request.send_json({"error": "You already created this model repo", **created}, status=409)
                    return
                self.create_repo(repo_id, private=body.get("visibility") == "private")
                if token is not None:  # the creator owns the repo: it sees it even when private
                    self.grant(repo_id, token)
                request.send_json(created)
            case "DELETE", ["repos", "delete"]:
                self._require(token)
                body = request.read_json()
                if body.get("type", "model") not in (None, "model"):
                    raise HubError(404, f"Repository {body['name']} not found", "RepoNotFound")
                repo_id = f"{body.get('organization') or USER}/{body['name']}"
                with self._lock:
                    self._visible(repo_id, token)  # a private repo the token may not see is not there to delete
                    self.delete_repo(repo_id)
                request.send_json({})
            case _, ["models", namespace, name, *rest]:
                self._model_api(request, method, f"{namespace}/{name}", rest, query, token)
            case _, ["models", name]:
                raise HubError(404, f"Repository {name} not found (HubServer ids are namespace/name)", "RepoNotFound")
            case _, [("datasets" | "spaces" | "kernels"), *_]:
                raise HubError(404, "HubServer hosts model repos only", "RepoNotFound")
            case _:
                raise HubError(404, f"Not found: {method} /api/{'/'.join(route)}")

    def _model_api(
        self, request: _Handler, method: str, repo_id: str, rest: list[str], query: dict[str, str], token: str | None
    ) -> None:
        with self._lock:
            repo = self._visible(repo_id, token)
            match method, rest:
                case "GET", []:
                    request.send_json(self._model_info(repo, self._resolve(repo, "main")))
                case "GET", ["revision", revision]:
                    request.send_json(self._model_info(repo, self._resolve(repo, revision)))
                case "GET", ["tree", revision, *path]:
                    commit = self._resolve(repo, revision)
                    request.send_json(_tree(commit, "/".join(path), query.get("recursive") in _TRUE, self._blobs))
                case "GET", ["refs"]:
                    request.send_json(_refs(repo, query.get("include_prs") in _TRUE))
                case "POST", ["branch", branch]:
                    self._require(token)
                    self._create_branch(repo, branch, request.read_json().get("startingPoint") or "main")
                    request.send_json({})
                case "POST", ["preupload", ref]:
                    # With `create_pr` the ref is the pull request's target branch, whose files the PR starts from.
                    self._require(token)
                    head = self._branch(repo, ref)
                    files = request.read_json().get("files", [])
                    request.send_json(
                        {
                            "files": [
                                {
                                    "path": file["path"],
                                    "uploadMode": "regular",
                                    "shouldIgnore": False,
                                    "oid": head.files.get(file["path"]),
                                }
                                for file in files
                            ],
                            "commitOid": head.sha,
                        }
                    )
                case "POST", ["commit", ref]:
                    self._require(token)
                    commit, pull = self._commit_ndjson(repo, ref, request.body, query.get("create_pr") in _TRUE)
                    request.send_json(
                        {
                            "success": True,
                            "commitOid": commit.sha,
                            "commitUrl": f"{self.endpoint}/{repo_id}/commit/{commit.sha}",
                            "pullRequestUrl": self._discussion_url(repo, pull) if pull is not None else None,
                            "hookOutput": "",
                        }
                    )
                case "POST", ["discussions"]:
                    # `create_pull_request` (the hf_xet upload pipeline's way to `create_pr`): a draft PR at main.
                    self._require(token)
                    body = request.read_json()
                    if not body.get("pullRequest"):
                        raise HubError(400, "HubServer hosts pull requests only, not discussions")
                    pull = PullRequest(
                        num=len(repo.pulls) + 1,
                        title=body.get("title") or "",
                        description=body.get("description") or "",
                        target="main",
                        created_at=_now(),
                        status="draft",
                    )
                    repo.refs[pull.ref] = self._branch(repo, pull.target).sha
                    self._add_pull_request(repo, pull)
                    request.send_json({"num": pull.num})
                case "GET", ["discussions", num] if num.isdigit() and 0 < int(num) <= len(repo.pulls):
                    request.send_json(self._discussion(repo, repo.pulls[int(num) - 1]))
                case _:
                    raise HubError(404, f"Not found: {method} /api/models/{repo_id}/{'/'.join(rest)}")

    def _commit_ndjson(self, repo: Repo, ref: str, body: bytes, create_pr: bool) -> tuple[Commit, PullRequest | None]:
        """Apply an NDJSON commit to `ref`, or with `create_pr` to a new pull request against `ref` (from the header's
        `parentCommit` if given, else from the head of `ref`); returns the commit and the pull request it opened."""
        head = self._branch(repo, ref)
        header: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        deleted: list[str] = []
        deleted_folders: list[str] = []
        for line in body.splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            key, value = item.get("key"), item.get("value", {})
            if key == "header":
                header = value
            elif key == "file":
                content = value["content"]
                encoding = value.get("encoding", "utf-8")
                files[value["path"]] = base64.b64decode(content) if encoding == "base64" else content.encode()
            elif key == "deletedFile":
                deleted.append(value["path"])
            elif key == "deletedFolder":
                deleted_folders.append(value["path"])
            elif key == "lfsFile":
                raise HubError(400, "HubServer stores no LFS files: preupload answers uploadMode 'regular'")
            else:
                raise HubError(400, f"Unknown commit operation {key!r}")
        title = header.get("summary") or "Commit"
        description = header.get("description") or ""
        parent = header.get("parentCommit")
        pull = None
        if create_pr:
            if ref.startswith("refs/"):  # a pull request targets a branch
                raise HubError(404, f"Invalid rev id: {ref} is not a branch of {repo.repo_id}", "RevisionNotFound")
            if parent is not None and parent not in repo.commits:
                raise HubError(404, f"Invalid rev id: {parent}", "RevisionNotFound")
            head = repo.commits[parent] if parent is not None else head
            pull = PullRequest(len(repo.pulls) + 1, title, description, target=ref, created_at=_now())
            ref = pull.ref
        elif parent is not None and parent != head.sha:
            raise HubError(412, f"Parent commit {parent} is not the head of {ref} ({head.sha})")
        commit = self._commit(
            repo,
            ref,
            files,
            deleted,
            parent=head,
            title=title,
            description=description,
            deleted_folders=deleted_folders,
        )
        return commit, self._add_pull_request(repo, pull) if pull is not None else None

    def _discussion_url(self, repo: Repo, pull: PullRequest) -> str:
        """The web URL of a pull request, from which the client parses `pr_num` and `pr_revision`."""
        return f"{self.endpoint}/{repo.repo_id}/discussions/{pull.num}"

    def _discussion(self, repo: Repo, pull: PullRequest) -> dict[str, Any]:
        """A pull request as `get_discussion_details` reads it (its opening comment is the description)."""
        author = {"name": USER}
        opened = {
            "id": hashlib.sha1(f"{repo.repo_id}#{pull.num}".encode()).hexdigest()[:24],
            "type": "comment",
            "createdAt": pull.created_at,
            "author": author,
            "data": {"edited": False, "hidden": False, "latest": {"raw": pull.description}},
        }
        return {
            "num": pull.num,
            "title": pull.title,
            "status": pull.status,
            "isPullRequest": True,
            "createdAt": pull.created_at,
            "author": author,
            "repo": {"name": repo.repo_id, "type": "model"},
            "events": [opened],
            "changes": {"base": f"refs/heads/{pull.target}"},
            "filesWithConflicts": [],
        }

    def _model_info(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        namespace = repo.repo_id.split("/")[0]
        return {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": namespace,
            "sha": commit.sha,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "gated": repo.gated,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": [],
            "usedStorage": sum(len(self._blobs[oid]) for oid in set(commit.files.values())),
            "siblings": [
                {"rfilename": path, "size": len(self._blobs[oid]), "blobId": oid}
                for path, oid in sorted(commit.files.items())
            ],
        }

    def _resolve_file(
        self, request: _Handler, method: str, repo_id: str, revision: str, path: str, token: str | None
    ) -> None:
        with self._lock:
            repo = self._visible(repo_id, token)
            self._check_download(repo, token)
            commit = self._resolve(repo, revision)
            oid = commit.files.get(path)
            if oid is None:
                raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": commit.sha})
            data = self._blobs[oid]
        headers = {
            "X-Repo-Commit": commit.sha,
            "ETag": f'"{oid}"',
            "Content-Type": "application/octet-stream",
            "Accept-Ranges": "bytes",
        }
        status, body = 200, data
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", request.headers.get("Range", "").strip())
        if match and method == "GET" and (match[1] or match[2]):
            start = int(match[1]) if match[1] else max(len(data) - int(match[2]), 0)
            end = min(int(match[2]), len(data) - 1) if match[1] and match[2] else len(data) - 1
            if start >= len(data) or start > end:
                raise HubError(416, "Range not satisfiable", headers={"Content-Range": f"bytes */{len(data)}"})
            status, body = 206, data[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        if method == "GET":  # recorded first: the client may return (and the test look) before send() returns
            self.downloads.append((repo_id, revision, path))
        request.send(status, body, headers, head_only=method == "HEAD")

    def _require(self, token: str | None) -> None:
        if self.require_token and token is None:
            raise _unauthorized()


class _Handler(BaseHTTPRequestHandler):
    """Dispatches every method to `HubServer._handle`; answers `HubError` like the Hub does."""

    protocol_version = "HTTP/1.0"  # one request per connection: once stopped, the server answers nothing at all
    server_version = "HubServer"
    server: ThreadingHTTPServer

    body = b""

    def _dispatch(self) -> None:
        # Read the whole request body first: answering (e.g. 401) and closing with unread bytes resets the connection.
        self.body = self._read_body()
        try:
            self.server.hub._handle(self)  # type: ignore[attr-defined]
        except HubError as error:
            headers = dict(error.headers)
            if error.code is not None:
                headers["X-Error-Code"] = error.code
            body = json.dumps({"error": error.message}).encode()
            self.send(error.status, body, {"Content-Type": "application/json", **headers}, self.command == "HEAD")
        except Exception as error:  # a bug in the server: report it to the client as a 500
            body = json.dumps({"error": f"HubServer: {type(error).__name__}: {error}"}).encode()
            self.send(500, body, {"Content-Type": "application/json"}, self.command == "HEAD")

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline().strip():  # trailers
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def read_json(self) -> dict[str, Any]:
        try:
            return json.loads(self.body) if self.body else {}
        except ValueError as error:
            raise HubError(400, f"Invalid JSON body: {error}") from error

    def send(self, status: int, body: bytes, headers: Mapping[str, str], head_only: bool = False) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(body)

    def send_json(self, payload: Any, status: int = 200) -> None:
        self.send(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _check_path(path: str) -> None:
    parts = path.split("/")
    if not path or path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise HubError(400, f"Invalid path in repo: {path!r}")


def _with_message(error: HubError) -> HubError:
    """`error` with its message also in `X-Error-Message`: the client reads that header where it cannot read a body
    (HEAD on the resolve route) and words the raised error with it."""
    error.headers["X-Error-Message"] = error.message
    return error


def _refs(repo: Repo, include_prs: bool) -> dict[str, Any]:
    """`list_repo_refs`: branches (and with `include_prs` the pull request refs); no tags or converts."""
    branches = [
        {"name": ref, "ref": f"refs/heads/{ref}", "targetCommit": sha}
        for ref, sha in sorted(repo.refs.items())
        if not ref.startswith("refs/")
    ]
    refs: dict[str, Any] = {"branches": branches, "converts": [], "tags": []}
    if include_prs:
        refs["pullRequests"] = [
            {"name": str(pull.num), "ref": pull.ref, "targetCommit": repo.refs[pull.ref]} for pull in repo.pulls
        ]
    return refs


def _unauthorized() -> HubError:
    message = "Invalid credentials in Authorization header"
    return HubError(401, message, headers={"X-Error-Message": message})


def _whoami() -> dict[str, Any]:
    return {
        "type": "user",
        "id": hashlib.sha1(USER.encode()).hexdigest()[:24],
        "name": USER,
        "fullname": "Hub Server",
        "email": None,
        "emailVerified": False,
        "canPay": False,
        "isPro": False,
        "orgs": [],
        "auth": {"type": "access_token", "accessToken": {"displayName": "hubserver", "role": "write"}},
    }


def _validate_yaml(content: str) -> dict[str, Any]:
    """Check the README front matter (between `---` lines) parses as a YAML mapping, as the Hub does."""
    match = re.match(r"^---\s*\n(.*?)\n---\s*(\n|$)", content, re.DOTALL)
    if match is None:
        return {"errors": [], "warnings": []}
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency of the project
        return {"errors": [], "warnings": []}
    try:
        metadata = yaml.safe_load(match[1])
    except yaml.YAMLError as error:
        raise HubError(400, f"Invalid YAML in README.md: {error}") from error
    if metadata is not None and not isinstance(metadata, dict):
        raise HubError(400, "README.md metadata must be a YAML mapping")
    return {"errors": [], "warnings": []}


def _tree(commit: Commit, path: str, recursive: bool, blobs: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """`list_repo_tree` entries under `path`: files and folders, direct children unless `recursive`."""
    prefix = path.strip("/") + "/" if path.strip("/") else ""
    files = {name: oid for name, oid in commit.files.items() if name.startswith(prefix)}
    if prefix and not files:
        raise HubError(404, f"Entry not found: {path}", "EntryNotFound", {"X-Repo-Commit": commit.sha})
    entries: dict[str, dict[str, Any]] = {}
    for name, oid in sorted(files.items()):
        parts = name[len(prefix) :].split("/")
        for depth in range(1, len(parts)):
            folder = prefix + "/".join(parts[:depth])
            if folder not in entries and (recursive or depth == 1):
                tree_oid = hashlib.sha1(folder.encode() + commit.sha.encode()).hexdigest()
                entries[folder] = {"type": "directory", "oid": tree_oid, "size": 0, "path": folder}
        if recursive or len(parts) == 1:
            entries[name] = {"type": "file", "oid": oid, "size": len(blobs[oid]), "path": name}
    return list(entries.values())
