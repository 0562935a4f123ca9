"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import tiny_config

import zoo


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished tiny pix2pix run folder."""
    out = tmp_path_factory.mktemp("run")
    zoo.train(tiny_config(), out=out)
    return out


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """A loopback Hub server the client talks to, with an empty cache and a token."""
    from hubserver import HubServer
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_TOKEN", "test-token")
    with HubServer(tmp_path / "hub") as server:
        server.patch_client(monkeypatch)
        yield server
