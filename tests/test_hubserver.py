"""The loopback Hub server (tests/hubserver.py), driven by the real huggingface_hub client: upload, download, errors,
offline loads from a warm cache, and ModelHubMixin push/pull with the client's defaults pointed at the server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hubserver import USER, HubServer
from huggingface_hub import HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    EntryNotFoundError,
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
