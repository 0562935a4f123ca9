"""Atomic checkpoints: a checkpoint folder appears complete or not at all.

Each checkpoint is written into a hidden temporary folder, flushed to disk, then renamed into
place; only renamed folders count, so a crash mid-write never leaves a half-written checkpoint
as the latest. Weights are safetensors; the rest (optimizers, schedulers, RNG) is read back
with ``torch.load(weights_only=True)``, which executes no code.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from zoo.config import RunConfig
from zoo.errors import CheckpointError
from zoo.inference import CONFIG_NAME, WEIGHTS_NAME
from zoo.saved import read_weights

STATE_NAME = "training_state.pt"
META_NAME = "meta.json"
PREFIX = "step-"


@dataclass(frozen=True)
class Position:
    """Where training stands: ``iteration`` iterations done in phase ``phase``."""

    phase: int
    iteration: int
    global_step: int
    data_cursor: int
    finished: bool = False
    """Whether the architecture's ``finish`` ran (after the last iteration of the last phase)."""


@dataclass(frozen=True)
class Checkpoint:
    """A complete checkpoint folder."""

    path: Path
    position: Position
    phase_name: str

    def weights(self) -> dict[str, torch.Tensor]:
        return read_weights(self.path / WEIGHTS_NAME)

    def training_state(self) -> dict[str, Any]:
        try:
            return torch.load(self.path / STATE_NAME, map_location="cpu", weights_only=True)
        except Exception as exc:
            raise CheckpointError(f"cannot read {self.path / STATE_NAME}: {exc}") from None


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        meta = json.loads((path / META_NAME).read_text())
        return Checkpoint(path, Position(**meta["position"]), meta["phase"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a zoo checkpoint ({exc})") from None


def find_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint at ``path``, or the latest one of the run folder ``path``."""
    path = Path(path)
    if (path / META_NAME).is_file():
        return read_checkpoint(path)
    latest = CheckpointStore(path / "checkpoints", 1).latest()
    if latest is None:
        raise CheckpointError(f"{path} holds no finished checkpoint (looked in {path / 'checkpoints'})")
    return latest


class CheckpointStore:
    """The checkpoints of one run folder, newest last; keeps the last ``keep``."""

    def __init__(self, folder: Path, keep: int):
        self.folder, self.keep = folder, max(1, keep)

    def all(self) -> list[Checkpoint]:
        if not self.folder.is_dir():
            return []
        found = [p for p in self.folder.iterdir() if p.name.startswith(PREFIX) and (p / META_NAME).is_file()]
        return [read_checkpoint(p) for p in sorted(found)]

    def latest(self) -> Checkpoint | None:
        found = self.all()
        return found[-1] if found else None

    def save(
        self,
        position: Position,
        phase_name: str,
        weights: dict[str, torch.Tensor],
        state: dict[str, Any],
        config: RunConfig,
    ) -> Path:
        """Write a checkpoint atomically and drop the oldest beyond ``keep``."""
        final = self.folder / f"{PREFIX}{position.global_step:08d}"
        tmp = self.folder / f".tmp-{final.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        save_file({k: v.detach().contiguous().cpu() for k, v in weights.items()}, str(tmp / WEIGHTS_NAME))
        torch.save(state, tmp / STATE_NAME)
        config.save(tmp / CONFIG_NAME)
        (tmp / META_NAME).write_text(json.dumps({"position": asdict(position), "phase": phase_name}, indent=2))
        for path in [*tmp.iterdir(), tmp]:
            _fsync(path)
        if final.exists():  # the same step again, once the architecture's finish has run
            old = self.folder / f".tmp-old-{final.name}-{os.getpid()}"
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old)
        else:
            os.replace(tmp, final)
        _fsync(self.folder)
        for old in self.all()[: -self.keep]:
            shutil.rmtree(old.path, ignore_errors=True)
        return final

    def set_aside_after(self, checkpoint: Checkpoint) -> Path | None:
        """Move the checkpoints newer than ``checkpoint`` (an abandoned continuation, when a run
        resumes from an older one) into ``abandoned-<time>/``, where ``latest`` no longer sees them."""
        newer = [c for c in self.all() if c.position.global_step > checkpoint.position.global_step]
        if not newer:
            return None
        aside = self.folder / f"abandoned-{time.strftime('%Y%m%d-%H%M%S')}"
        aside.mkdir()
        for old in newer:
            os.replace(old.path, aside / old.path.name)
        return aside

    def clean_partial(self) -> None:
        """Remove temporary folders that a crash left behind."""
        if self.folder.is_dir():
            for tmp in self.folder.glob(".tmp-*"):
                shutil.rmtree(tmp, ignore_errors=True)


def _fsync(path: Path) -> None:
    """Flush a file or folder entry to disk, so the rename that follows publishes finished data."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
