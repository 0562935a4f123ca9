"""The loopback Hub server (tests/hubserver.py), driven by the real huggingface_hub client: upload, download, errors,
offline loads from a warm cache, ModelHubMixin push/pull with the client's defaults pointed at the server, branches,
pull requests, gated and private repos, and the record of what was downloaded."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hubserver import USER, HubServer
from huggingface_hub import CommitOperationAdd, HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    BadRequestError,
    EntryNotFoundError,
    GatedRepoError,
    HfHubHTTPError,
    LocalEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

TOKEN = "hf_test_token"
REPO = "zoo-tests/tiny"


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with HubServer(tmp_path / "hub") as server:
        server.patch_client(monkeypatch, default_endpoint=False)  # telemetry off: nothing reaches the real Hub
        yield server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A model folder: config.json, a 1 MB model.safetensors (random bytes) and a README.md with metadata."""
    out = tmp_path / "model"
    out.mkdir()
    (out / "config.json").write_text(json.dumps({"ngf": 8}))
    (out / "model.safetensors").write_bytes(os.urandom(1 << 20))
    (out / "README.md").write_text("---\nlicense: mit\ntags:\n- zoo\n---\n# tiny\n")
    return out


@pytest.fixture
def uploaded(hub: HubServer, folder: Path) -> str:
    """`folder` uploaded to REPO; returns the commit sha."""
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    assert api.create_repo(REPO).repo_id == REPO
    return api.upload_folder(repo_id=REPO, folder_path=folder).oid


def _read(folder: Path | str) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(Path(folder).iterdir()) if path.is_file()}


def test_upload_folder_then_snapshot_download_gives_identical_bytes_and_the_commit_sha(hub, folder, uploaded, tmp_path):
    assert uploaded == hub.head(REPO) and len(uploaded) == 40
    assert hub.files(REPO) == _read(folder)
    assert ("POST", f"/api/models/{REPO}/preupload/main") in hub.requests
    assert ("POST", f"/api/models/{REPO}/commit/main") in hub.requests
    assert not [path for _, path in hub.requests if "xet" in path or "lfs" in path]  # inline "regular" uploads only
    assert hub.tokens and set(hub.tokens) == {TOKEN}

    snapshot = snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    assert Path(snapshot).name == uploaded
    assert _read(snapshot) == _read(folder)
    info = HfApi(endpoint=hub.endpoint).model_info(REPO)
    assert info.sha == uploaded
    assert sorted(s.rfilename for s in info.siblings) == ["README.md", "config.json", "model.safetensors"]


def test_hf_hub_download_of_one_file(hub, folder, uploaded, tmp_path):
    path = hf_hub_download(REPO, "model.safetensors", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    assert Path(path).read_bytes() == (folder / "model.safetensors").read_bytes()
    assert f"/snapshots/{uploaded}/" in Path(path).as_posix()
    assert hub.requests[-2:] == [
        ("HEAD", f"/{REPO}/resolve/main/model.safetensors"),
        ("GET", f"/{REPO}/resolve/main/model.safetensors"),
    ]


def test_a_second_commit_leaves_the_first_downloadable_by_its_sha(hub, folder, uploaded, tmp_path):
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    second = api.upload_file(path_or_fileobj=b'{"ngf": 16}', path_in_repo="config.json", repo_id=REPO).oid
    assert second != uploaded and hub.head(REPO) == second
    cache = tmp_path / "cache"
    old = hf_hub_download(REPO, "config.json", revision=uploaded, endpoint=hub.endpoint, cache_dir=cache)
    new = hf_hub_download(REPO, "config.json", endpoint=hub.endpoint, cache_dir=cache)
    assert json.loads(Path(old).read_text()) == {"ngf": 8}
    assert json.loads(Path(new).read_text()) == {"ngf": 16}
    snapshot = snapshot_download(REPO, revision=uploaded, endpoint=hub.endpoint, cache_dir=cache)
    assert _read(snapshot) == _read(folder)


def test_an_unchanged_upload_makes_no_commit(hub, folder, uploaded):
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    assert api.upload_folder(repo_id=REPO, folder_path=folder).oid == uploaded  # preupload returns the remote oids
    assert hub.commits(REPO)[-1] == uploaded


def test_create_commit_without_xet_uploads_inline_too(hub, folder, tmp_path, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)  # upload_folder's single create_commit path
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    api.create_repo(REPO)
    sha = api.upload_folder(repo_id=REPO, folder_path=folder).oid
    assert hub.files(REPO, sha) == _read(folder)


def test_missing_repo_raises_repository_not_found(hub, tmp_path):
    with pytest.raises(RepositoryNotFoundError):
        snapshot_download("nobody/nothing", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody/nothing", "config.json", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.endpoint).model_info("nobody/nothing")


def test_missing_file_and_revision(hub, uploaded, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(REPO, "missing.bin", endpoint=hub.endpoint, cache_dir=cache)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(REPO, "config.json", revision="no-such-branch", endpoint=hub.endpoint, cache_dir=cache)
    with pytest.raises(RevisionNotFoundError):
        snapshot_download(REPO, revision="f" * 40, endpoint=hub.endpoint, cache_dir=cache)


def test_warm_cache_loads_offline_after_the_server_stops(hub, folder, uploaded, tmp_path):
    cache = tmp_path / "cache"
    snapshot = snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache)
    seen = len(hub.requests)
    assert snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache, local_files_only=True) == snapshot
    assert len(hub.requests) == seen  # local_files_only: no request at all

    hub.stop()
    assert snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache, local_files_only=True) == snapshot
    assert _read(snapshot) == _read(folder)
    # Without local_files_only the connection error falls back to the cached snapshot and refs/main.
    assert snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache) == snapshot
    config = hf_hub_download(REPO, "config.json", endpoint=hub.endpoint, cache_dir=cache, local_files_only=True)
    assert Path(config).read_bytes() == (folder / "config.json").read_bytes()


def test_cold_cache_with_local_files_only_raises_local_entry_not_found(hub, uploaded, tmp_path):
    cache = tmp_path / "cold"
    with pytest.raises(LocalEntryNotFoundError):
        snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache, local_files_only=True)
    with pytest.raises(LocalEntryNotFoundError):
        hf_hub_download(REPO, "config.json", endpoint=hub.endpoint, cache_dir=cache, local_files_only=True)
    assert not any(path.startswith(f"/{REPO}/resolve") for _, path in hub.requests)


def test_writes_need_a_token_and_whoami_accepts_any(hub):
    with pytest.raises(HfHubHTTPError) as error:
        HfApi(endpoint=hub.endpoint, token=False).create_repo(REPO)
    assert error.value.response.status_code == 401
    assert HfApi(endpoint=hub.endpoint, token="anything").whoami()["name"] == USER
    HfApi(endpoint=hub.endpoint, token=TOKEN).create_repo("bare-name")  # no namespace: the token's user
    assert hub.repo_ids == [f"{USER}/bare-name"]


def test_repos_persist_under_the_folder(hub, folder, uploaded):
    hub.stop()
    with HubServer(hub.root) as again:
        assert again.head(REPO) == uploaded
        assert again.files(REPO) == _read(folder)


def test_model_hub_mixin_push_to_hub_and_from_pretrained(hub, tmp_path, monkeypatch):
    import torch
    from huggingface_hub import PyTorchModelHubMixin

    class Tiny(torch.nn.Module, PyTorchModelHubMixin):
        def __init__(self, width: int = 3):
            super().__init__()
            self.layer = torch.nn.Linear(width, 2)

    hub.patch_client(monkeypatch)  # push_to_hub and from_pretrained take no endpoint
    model = Tiny(width=5)
    model.push_to_hub(REPO, token=TOKEN)
    assert set(hub.files(REPO)) >= {"config.json", "model.safetensors", "README.md"}

    loaded = Tiny.from_pretrained(REPO, cache_dir=tmp_path / "cache")
    assert loaded.layer.in_features == 5
    torch.testing.assert_close(loaded.layer.weight, model.layer.weight)
    assert ("GET", f"/{REPO}/resolve/main/model.safetensors") in hub.requests


def test_create_branch_then_upload_list_and_snapshot_at_it(hub, folder, uploaded, tmp_path):
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    api.create_branch(REPO, branch="dev")
    assert hub.branches(REPO) == ["dev", "main"] and hub.head(REPO, "dev") == uploaded
    with pytest.raises(HfHubHTTPError) as error:  # the Hub's 409 Conflict, raised unless exist_ok
        api.create_branch(REPO, branch="dev")
    assert error.value.response.status_code == 409
    api.create_branch(REPO, branch="dev", exist_ok=True)

    (folder / "config.json").write_text('{"ngf": 16}')
    dev = api.upload_folder(repo_id=REPO, folder_path=folder, revision="dev", delete_patterns=["*.bin"]).oid
    assert hub.head(REPO, "dev") == dev and hub.head(REPO) == uploaded  # main is unchanged
    assert hub.files(REPO, "dev") == _read(folder) != hub.files(REPO)
    assert ("POST", f"/api/models/{REPO}/commit/dev") in hub.requests
    snapshot = snapshot_download(REPO, revision="dev", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    assert Path(snapshot).name == dev and _read(snapshot) == hub.files(REPO, "dev")

    api.create_branch(REPO, branch="feature/old", revision=uploaded)  # from a commit sha; "/" is quoted in the URL
    assert hub.head(REPO, "feature/old") == uploaded
    refs = api.list_repo_refs(REPO)
    assert {(ref.name, ref.ref, ref.target_commit) for ref in refs.branches} == {
        ("main", "refs/heads/main", uploaded),
        ("dev", "refs/heads/dev", dev),
        ("feature/old", "refs/heads/feature/old", uploaded),
    }
    with pytest.raises(RevisionNotFoundError):
        api.create_branch(REPO, branch="other", revision="no-such-branch")
    with pytest.raises(BadRequestError):
        api.create_branch(REPO, branch="refs/pr/5")
    with pytest.raises(RevisionNotFoundError):  # a commit to a branch never created
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=REPO, revision="no-such-branch")
    assert hub.create_branch(REPO, "dev", exist_ok=True) == dev  # server side, as the client does


def test_create_pr_commits_to_numbered_pr_refs_and_leaves_main_unchanged(hub, folder, uploaded, tmp_path):
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    first = api.upload_file(path_or_fileobj=b'{"ngf": 16}', path_in_repo="config.json", repo_id=REPO, create_pr=True)
    assert first.pr_num == 1 and first.pr_revision == "refs/pr/1"
    assert first.pr_url == f"{hub.endpoint}/{REPO}/discussions/1"
    assert first.oid == hub.head(REPO, "refs/pr/1") and hub.head(REPO) == uploaded  # main unchanged
    assert hub.files(REPO) == _read(folder)
    assert hub.files(REPO, "refs/pr/1") == {**_read(folder), "config.json": b'{"ngf": 16}'}
    assert hub.requests.count(("POST", f"/api/models/{REPO}/preupload/main")) == 2  # the upload, then the PR's

    (folder / "extra.txt").write_text("more")
    second = api.upload_folder(repo_id=REPO, folder_path=folder, create_pr=True, commit_message="Add extra")
    assert second.pr_revision == "refs/pr/2"
    assert hub.files(REPO, "refs/pr/2")["extra.txt"] == b"more" and "extra.txt" not in hub.files(REPO, "refs/pr/1")
    assert hub.head(REPO) == uploaded

    api.create_branch(REPO, branch="dev")
    operation = CommitOperationAdd(path_in_repo="dev.txt", path_or_fileobj=b"dev")
    third = api.create_commit(REPO, [operation], commit_message="To dev", revision="dev", create_pr=True)
    assert third.pr_revision == "refs/pr/3" and hub.head(REPO, "dev") == uploaded
    pulls = hub.pull_requests(REPO)
    assert [(pull.num, pull.ref, pull.target, pull.title) for pull in pulls] == [
        (1, "refs/pr/1", "main", "Upload config.json with huggingface_hub"),
        (2, "refs/pr/2", "main", "Add extra"),
        (3, "refs/pr/3", "dev", "To dev"),
    ]

    details = api.get_discussion_details(REPO, 2)
    assert details.is_pull_request and details.git_reference == "refs/pr/2"
    assert details.target_branch == "refs/heads/main" and details.title == "Add extra"
    refs = api.list_repo_refs(REPO, include_pull_requests=True)
    assert [(ref.ref, ref.target_commit) for ref in refs.pull_requests] == [
        (pull.ref, hub.head(REPO, pull.ref)) for pull in pulls
    ]
    path = hf_hub_download(REPO, "config.json", revision="refs/pr/1", endpoint=hub.endpoint, cache_dir=tmp_path / "c")
    assert Path(path).read_bytes() == b'{"ngf": 16}'
    snapshot = snapshot_download(REPO, revision="refs/pr/2", endpoint=hub.endpoint, cache_dir=tmp_path / "cache")
    assert _read(snapshot) == hub.files(REPO, "refs/pr/2")


def test_an_empty_pull_request_then_commits_pushed_to_its_ref(hub, folder, uploaded):
    """What the hf_xet upload pipeline does for create_pr: open a draft PR, then commit to refs/pr/N."""
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    pr = api.create_pull_request(REPO, title="Draft", description="Work in progress")
    assert (pr.num, pr.git_reference, pr.status, pr.title) == (1, "refs/pr/1", "draft", "Draft")
    assert pr.url == f"{hub.endpoint}/{REPO}/discussions/1" and pr.events[0].content == "Work in progress"
    assert hub.head(REPO, pr.git_reference) == uploaded
    sha = api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=REPO, revision=pr.git_reference).oid
    assert hub.head(REPO, "refs/pr/1") == sha and hub.head(REPO) == uploaded
    assert hub.files(REPO, "refs/pr/1")["x.txt"] == b"x"

    # With parent_commit, a PR starts from that commit rather than the head of main.
    hub.commit(REPO, {"later.txt": b"later"})
    operation = CommitOperationAdd(path_in_repo="y.txt", path_or_fileobj=b"y")
    info = api.create_commit(REPO, [operation], commit_message="From the first", parent_commit=uploaded, create_pr=True)
    assert info.pr_num == 2 and hub.files(REPO, "refs/pr/2") == {**_read(folder), "y.txt": b"y"}


def test_gated_repo_refuses_downloads_until_access_is_granted(hub, folder, tmp_path):
    gated = "zoo-tests/gated"
    hub.create_repo(gated, gated="manual")
    sha = hub.commit(gated, _read(folder))
    cache = tmp_path / "cache"
    # Like the Hub, metadata and the file listing stay public; the files are refused.
    assert HfApi(endpoint=hub.endpoint, token=False).model_info(gated).gated == "manual"
    assert sorted(HfApi(endpoint=hub.endpoint, token=TOKEN).list_repo_files(gated)) == sorted(_read(folder))
    with pytest.raises(GatedRepoError) as anonymous:
        hf_hub_download(gated, "config.json", endpoint=hub.endpoint, cache_dir=cache, token=False)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as refused:
        hf_hub_download(gated, "config.json", endpoint=hub.endpoint, cache_dir=cache, token=TOKEN)
    assert refused.value.response.status_code == 403
    assert "you are not in the authorized list" in str(refused.value)
    with pytest.raises(GatedRepoError):
        snapshot_download(gated, endpoint=hub.endpoint, cache_dir=cache, token=TOKEN)
    assert hub.downloaded(gated) == set()

    hub.grant(gated, TOKEN)
    snapshot = snapshot_download(gated, endpoint=hub.endpoint, cache_dir=cache, token=TOKEN)
    assert Path(snapshot).name == sha and _read(snapshot) == _read(folder)
    with pytest.raises(GatedRepoError):  # access is per token
        hf_hub_download(gated, "config.json", endpoint=hub.endpoint, cache_dir=tmp_path / "other", token="hf_other")


def test_private_repo_answers_like_a_missing_one_without_access(hub, folder, tmp_path):
    private = "zoo-tests/private"
    hub.create_repo(private, private=True)
    hub.commit(private, _read(folder))
    cache = tmp_path / "cache"
    for token, status in ((False, 401), (TOKEN, 404)):  # as for a repo that does not exist at all
        for repo_id in (private, "nobody/nothing"):
            with pytest.raises(RepositoryNotFoundError) as error:
                HfApi(endpoint=hub.endpoint, token=token).model_info(repo_id)
            assert error.value.response.status_code == status and not isinstance(error.value, GatedRepoError)
        with pytest.raises(RepositoryNotFoundError):
            hf_hub_download(private, "config.json", endpoint=hub.endpoint, cache_dir=cache, token=token)
        with pytest.raises(RepositoryNotFoundError):
            snapshot_download(private, endpoint=hub.endpoint, cache_dir=cache, token=token)
    with pytest.raises(RepositoryNotFoundError):  # nor can it be written to
        HfApi(endpoint=hub.endpoint, token=TOKEN).upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id=private)
    assert hub.downloaded(private) == set()

    hub.grant(private, TOKEN)
    assert HfApi(endpoint=hub.endpoint, token=TOKEN).model_info(private).private is True
    assert _read(snapshot_download(private, endpoint=hub.endpoint, cache_dir=cache, token=TOKEN)) == _read(folder)


def test_the_client_creating_a_private_repo_owns_it(hub, folder, tmp_path):
    owner = HfApi(endpoint=hub.endpoint, token=TOKEN)
    owner.create_repo(REPO, private=True)
    sha = owner.upload_folder(repo_id=REPO, folder_path=folder).oid
    assert owner.model_info(REPO).private is True
    snapshot = snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=tmp_path / "cache", token=TOKEN)
    assert Path(snapshot).name == sha
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.endpoint, token="hf_other").model_info(REPO)


def test_downloaded_lists_the_files_sent_by_get_on_the_resolve_route(hub, folder, uploaded, tmp_path):
    cache = tmp_path / "cache"
    hf_hub_download(REPO, "config.json", endpoint=hub.endpoint, cache_dir=cache)
    assert hub.downloaded(REPO) == {"config.json"}
    assert hub.downloads == [(REPO, "main", "config.json")]
    snapshot_download(REPO, revision=uploaded, endpoint=hub.endpoint, cache_dir=cache)
    assert hub.downloaded(REPO) == set(_read(folder))
    # config.json was cached (same blob): the snapshot fetched only the other two, at the sha it asked for.
    assert sorted(hub.downloads[1:]) == [(REPO, uploaded, "README.md"), (REPO, uploaded, "model.safetensors")]
    seen = len(hub.downloads)
    snapshot_download(REPO, endpoint=hub.endpoint, cache_dir=cache)  # warm cache: HEAD/tree calls, no download
    assert len(hub.downloads) == seen and hub.downloaded("nobody/nothing") == set()


def test_branches_pull_requests_and_access_persist_under_the_folder(hub, uploaded, tmp_path):
    api = HfApi(endpoint=hub.endpoint, token=TOKEN)
    api.create_branch(REPO, branch="dev")
    pr = api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=REPO, create_pr=True)
    gated = "zoo-tests/gated"
    hub.create_repo(gated, gated="auto", private=True)
    hub.commit(gated, {"a.txt": b"a"})
    hub.grant(gated, TOKEN)
    hub.stop()
    with HubServer(hub.root) as again:
        assert again.branches(REPO) == ["dev", "main"]
        assert [(pull.num, pull.ref) for pull in again.pull_requests(REPO)] == [(1, "refs/pr/1")]
        assert again.head(REPO, "refs/pr/1") == pr.oid
        info = HfApi(endpoint=again.endpoint, token=TOKEN).model_info(gated)
        assert (info.gated, info.private) == ("auto", True)
        path = hf_hub_download(gated, "a.txt", endpoint=again.endpoint, cache_dir=tmp_path / "cache", token=TOKEN)
        assert Path(path).read_bytes() == b"a"
        with pytest.raises(RepositoryNotFoundError):
            HfApi(endpoint=again.endpoint, token="hf_other").model_info(gated)
