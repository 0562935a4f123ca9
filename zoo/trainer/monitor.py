"""What a run shows while it trains: a progress bar, TensorBoard, ``metrics.jsonl`` and sample grids."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import torch
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from zoo.config import TrainSettings

METRICS_NAME = "metrics.jsonl"


class Monitor:
    """Progress, scalars and images of the main process; the other ranks get a silent one."""

    def __init__(self, run_dir: Path, settings: TrainSettings, active: bool):
        self.run_dir, self.settings, self.active = run_dir, settings, active
        self.writer = None
        self.progress: Progress | None = None
        self._task = None
        self._last = time.perf_counter()
        if not active:
            return
        if settings.tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # slow to import: only when used

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))
        if settings.progress:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                TextColumn("{task.fields[losses]}"),
                console=Console(stderr=True),
            )
            self.progress.start()

    def start_phase(self, name: str, total: int, done: int) -> None:
        if self.progress is None:
            return
        if self._task is not None:
            self.progress.remove_task(self._task)
        self._task = self.progress.add_task(name, total=total, completed=done, rate="", losses="")
        self._last = time.perf_counter()

    def step(self, global_step: int, phase: str, epoch: int, losses: dict[str, float], lrs: dict[str, float]) -> None:
        """Record one finished iteration."""
        if not self.active:
            return
        now = time.perf_counter()
        rate, self._last = 1.0 / max(now - self._last, 1e-9), now
        if self.progress is not None and self._task is not None:
            text = " ".join(f"{k}={v:.3f}" for k, v in losses.items())
            self.progress.update(self._task, advance=1, rate=f"{rate:.2f} it/s", losses=text)
        if global_step % self.settings.log_every:
            return
        record = {"step": global_step, "phase": phase, "epoch": epoch, "losses": losses, "lr": lrs}
        with open(self.run_dir / METRICS_NAME, "a") as f:
            f.write(json.dumps(record) + "\n")
        if self.writer is not None:
            for key, value in losses.items():
                self.writer.add_scalar(f"loss/{key}", value, global_step)
            for group, lr in lrs.items():
                self.writer.add_scalar(f"lr/{group}", lr, global_step)
            self.writer.add_scalar("speed/it_per_s", rate, global_step)

    def samples(self, global_step: int, columns: list[torch.Tensor]) -> Path | None:
        """Save a grid (one row per sample, one column per visual) as PNG and to TensorBoard."""
        if not self.active:
            return None
        from torchvision.utils import make_grid, save_image  # slow to import: only when a grid is drawn

        rows = torch.stack([_rgb(c).float().cpu() for c in columns], 1).flatten(0, 1)
        grid = make_grid((rows.clamp(-1, 1) + 1) / 2, nrow=len(columns), padding=2)
        path = self.run_dir / "samples" / f"step-{global_step:08d}.png"
        path.parent.mkdir(exist_ok=True)
        save_image(grid, path)
        if self.writer is not None:
            self.writer.add_image("samples", grid, global_step)
        return path

    def message(self, text: str) -> None:
        if self.active:
            (self.progress.console if self.progress else Console(stderr=True)).print(text)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
        if self.writer is not None:
            self.writer.close()


def truncate_metrics(run_dir: Path, global_step: int) -> None:
    """Drop records past ``global_step`` (written after the checkpoint a run resumes from), and
    a last line that a crash left half-written."""
    records = [r for r in read_metrics(run_dir) if r["step"] <= global_step]
    if (run_dir / METRICS_NAME).is_file():
        (run_dir / METRICS_NAME).write_text("".join(json.dumps(r) + "\n" for r in records))


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    """The logged records of a run, skipping any line that is not complete JSON."""
    path = Path(run_dir) / METRICS_NAME
    return [record for line in path.read_text().splitlines() if (record := _parse(line))] if path.is_file() else []


def _parse(line: str) -> dict[str, Any] | None:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def _rgb(images: torch.Tensor) -> torch.Tensor:
    """Grey images repeated to three channels, so every column of a grid is RGB."""
    return images.repeat(1, 3, 1, 1) if images.shape[1] == 1 else images[:, :3]
