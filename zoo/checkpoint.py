"""Atomic checkpoints: a checkpoint folder appears complete or not at all.

Each checkpoint is written into a hidden temporary folder, flushed to disk, then renamed into
place; only renamed folders count, so a crash mid-write never leaves a half-written checkpoint
as the latest. Weights are safetensors; the rest (optimizers, schedulers, RNG) is read back
with ``torch.load(weights_only=True)``, which executes no code.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from zoo.config import RunConfig
from zoo.errors import CheckpointError
from zoo.files import WriteError, save_weights, write_error
from zoo.inference import CONFIG_NAME, WEIGHTS_NAME
from zoo.saved import read_weights

STATE_NAME = "training_state.pt"
META_NAME = "meta.json"
PREFIX = "step-"
FINAL_NAME = "model"
"""The folder of a finished run that holds its inference model, a saved model (``zoo.load(RUN)``
reads it once the checkpoints are gone)."""


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
    schedule: tuple[int, ...] | None = None
    """Iterations in each phase of the run's schedule, as the trainer counted them (None in
    checkpoints from before it recorded them)."""

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
        schedule = tuple(meta["schedule"]) if meta.get("schedule") is not None else None
        return Checkpoint(path, Position(**meta["position"]), meta["phase"], schedule)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a zoo checkpoint ({exc})") from None


def find_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint at ``path``, or the latest one of the run folder ``path``."""
    path = Path(path)
    if (path / META_NAME).is_file():
        return read_checkpoint(path)
    if not path.exists():
        raise CheckpointError(
            f"no such run folder: {path}{_close_names(path)}; start a new run with zoo train --arch ARCH --out {path}"
        )
    if not path.is_dir():
        raise CheckpointError(f"{path} is a file, not a run folder or checkpoint folder: resume a run's folder")
    latest = CheckpointStore(path / "checkpoints", 1).latest()
    if latest is not None:
        return latest
    if (path / FINAL_NAME / CONFIG_NAME).is_file():
        raise CheckpointError(
            f"{path} is a finished run that kept only its model ({path / FINAL_NAME}), no checkpoint to continue "
            f"from; use the model (zoo export {path}, zoo.load), or train anew into another folder: "
            f"zoo train --config {path / 'config.yaml'} --out NEW"
        )
    if (path / "config.yaml").is_file():
        raise CheckpointError(
            f"{path} holds no finished checkpoint (none in {path / 'checkpoints'}): the run stopped before its first; "
            f"train it again from the start with zoo train --config {path / 'config.yaml'} --out {path}"
        )
    raise CheckpointError(
        f"{path} holds no finished checkpoint and is no run folder (no config.yaml, nothing in "
        f"{path / 'checkpoints'}); resume a run folder (zoo train --out FOLDER makes one) or a checkpoint folder in it"
    )


def _close_names(path: Path) -> str:
    """`` (did you mean ...?)`` naming the folders beside ``path`` whose names are close to its."""
    try:
        names = [p.name for p in path.parent.iterdir() if p.is_dir()] if path.parent.is_dir() else []
    except OSError:
        return ""
    close = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(str(path.parent / name) for name in close)}?)" if close else ""


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
        schedule: list[int] | None = None,
    ) -> Path:
        """Write a checkpoint atomically and drop the oldest beyond ``keep``; ``schedule``: the
        iterations of each phase, for whoever reads how far the run got."""
        final = self.folder / f"{PREFIX}{position.global_step:08d}"
        tmp = self.folder / f".tmp-{final.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            tmp.mkdir(parents=True)
            save_weights(tmp / WEIGHTS_NAME, {k: v.detach().contiguous().cpu() for k, v in weights.items()})
            torch.save(state, tmp / STATE_NAME)
            config.save(tmp / CONFIG_NAME)
            (tmp / META_NAME).write_text(
                json.dumps({"position": asdict(position), "phase": phase_name, "schedule": schedule}, indent=2)
            )
            for path in [*tmp.iterdir(), tmp]:
                _fsync(path)
            self._publish(tmp, final)
        except BaseException as exc:
            error = isinstance(exc, Exception) and self._write_error(exc, final.name)  # before the space is freed
            shutil.rmtree(tmp, ignore_errors=True)  # a partial checkpoint would keep the disk full
            if error:
                raise error from exc
            raise
        for old in self.all()[: -self.keep]:
            shutil.rmtree(old.path, ignore_errors=True)
        return final

    def _publish(self, tmp: Path, final: Path) -> None:
        if final.exists():  # the same step again, once the architecture's finish has run
            old = self.folder / f".tmp-old-{final.name}-{os.getpid()}"
            os.replace(final, old)
            try:
                os.replace(tmp, final)
            except BaseException:
                os.replace(old, final)  # not left where clean_partial would remove it
                raise
            shutil.rmtree(old)
        else:
            os.replace(tmp, final)
        _fsync(self.folder)

    def _write_error(self, exc: Exception, name: str) -> WriteError | None:
        """One line for a checkpoint that could not be written, with what to do."""
        run = self.folder.parent
        try:
            begun = self.latest() is not None or not (run / "config.yaml").is_file()
        except CheckpointError:
            begun = True
        if begun:
            go_on, elsewhere = f"continue with zoo train --resume {run}", f"--resume {run} --out OTHER"
        else:  # the first checkpoint failed: nothing to resume, the run starts again
            again = f"zoo train --config {run / 'config.yaml'}"
            go_on, elsewhere = f"start again with {again} --out {run}", f"--config {run / 'config.yaml'} --out OTHER"
        elsewhere = f"or train in another folder: zoo train {elsewhere}"
        fewer = f" or lower train.keep_checkpoints (now {self.keep})" if self.keep > 1 else ""
        return write_error(
            exc,
            self.folder,
            f"checkpoint {name} into {self.folder}",
            f"make it writable and {go_on}, {elsewhere}",
            f"free space there{fewer}, then {go_on}; {elsewhere}",
        )

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
