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
