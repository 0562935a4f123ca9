"""What a run shows while it trains: a progress bar, TensorBoard, ``metrics.jsonl`` and sample grids."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageFont
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from zoo.config import TrainSettings

METRICS_NAME = "metrics.jsonl"


EMA_WEIGHT = 0.1
"""Weight of the newest iteration in the smoothed seconds per iteration: a change of speed is
90% taken in after about 22 iterations, while a single slow one (a checkpoint, a sample grid)
moves it by a tenth of its excess."""

PROJECT_AFTER = 3
"""Measured iterations (the first of a session, which warms up, not counted) before the run's
projected duration is printed."""


class Monitor:
    """Progress, scalars and images of the main process; the other ranks get a silent one.

    The progress bar shows the phase, a smoothed rate and two estimates: the time left in the
    phase and in the whole run (every phase still to come, each weighed by its relative cost per
    iteration, up to ``train.max_iterations``)."""

    def __init__(self, run_dir: Path, settings: TrainSettings, active: bool):
        self.run_dir, self.settings, self.active = run_dir, settings, active
        self.writer = None
        self.progress: Progress | None = None
        self._task = None
        self._last: float | None = None
        self._seconds: float | None = None  # smoothed seconds per iteration
        self._measured = 0
        self._lengths: list[int] = []
        self._costs: list[float] = []
        self._phase, self._phase_done, self._global = 0, 0, 0
        if not active:
            return
        if settings.tensorboard:
            from torch.utils.tensorboard import SummaryWriter  # slow to import: only when used

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))
        if settings.progress:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(bar_width=24),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("{task.fields[eta]}"),
                TextColumn("{task.fields[losses]}"),
                console=Console(stderr=True),
            )
            self.progress.start()

    def plan(self, lengths: list[int], costs: list[float], global_step: int) -> None:
        """The whole schedule: each phase's iterations and relative cost of one iteration (a
        finer SinGAN scale costs more), and the step the run starts from."""
        self._lengths, self._costs, self._global = lengths, costs, global_step

    def start_phase(self, name: str, total: int, done: int, index: int = 0) -> None:
        if self._seconds is not None and self._costs:  # the new phase's rate, until it is measured
            self._seconds *= self._costs[index] / (self._costs[self._phase] or 1.0)
        self._phase, self._phase_done, self._last = index, done, None  # a phase's first iteration warms up
        if self.progress is None:
            return
        if self._task is not None:
            self.progress.remove_task(self._task)
        self._task = self.progress.add_task(name, total=total, completed=done, rate="", eta="", losses="")

    def step(self, global_step: int, phase: str, epoch: int, losses: dict[str, float], lrs: dict[str, float]) -> None:
        """Record one finished iteration."""
        self._global, self._phase_done = global_step, self._phase_done + 1
        if not self.active:
            return
        self._time_iteration()
        if self.progress is not None and self._task is not None:
            text = " ".join(f"{k}={v:.3f}" for k, v in losses.items())
            self.progress.update(self._task, advance=1, rate=self.rate_text(), eta=self.eta_text(), losses=text)
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
            if self._seconds:
                self.writer.add_scalar("speed/it_per_s", 1 / self._seconds, global_step)

    def evaluation(self, global_step: int, values: dict[str, float]) -> None:
        """Record the metrics measured at ``global_step`` (``metrics.jsonl``, TensorBoard ``eval/``)."""
        if not self.active:
            return
        with open(self.run_dir / METRICS_NAME, "a") as f:
            f.write(json.dumps({"step": global_step, "eval": values}) + "\n")
        if self.writer is not None:
            for key, value in values.items():
                self.writer.add_scalar(f"eval/{key}", value, global_step)
        self.message("eval at step " + str(global_step) + ": " + " ".join(f"{k}={v:.4g}" for k, v in values.items()))

    def _time_iteration(self) -> None:
        """Fold the last iteration's duration into the smoothed rate; print the projection once."""
        now = time.perf_counter()
        last, self._last = self._last, now
        if last is None:
            return
        seconds = now - last
        self._seconds = seconds if self._seconds is None else EMA_WEIGHT * seconds + (1 - EMA_WEIGHT) * self._seconds
        self._measured += 1
        if self._measured == PROJECT_AFTER and self._lengths:
            self.message(self.projection())

    def projection(self) -> str:
        """The run's projected duration from the smoothed rate: to ``train.max_iterations`` if set,
        and for the whole schedule."""
        seconds = self._seconds or 0.0
        whole = sum(count * cost for count, cost in self._remaining(limited=False)) * seconds
        phases = len(self._lengths) - self._phase
        schedule = (
            f"the whole schedule ({self.schedule_total()} iterations"
            + (f", {phases} phases left" if phases > 1 else "")
            + f") takes about {format_duration(whole)}"
        )
        limit = self.settings.max_iterations
        if limit is not None and self.remaining_iterations() < self.remaining_iterations(limited=False):
            left = self.remaining_seconds() or 0.0
            to_limit = f"{format_duration(left)} to train.max_iterations={limit}"
            return f"projected at {self.rate_text()}: {to_limit}; {schedule}"
        return f"projected at {self.rate_text()}: {schedule}"

    def schedule_total(self) -> int:
        """Iterations in all phases together."""
        return sum(self._lengths)

    def rate_text(self) -> str:
        if not self._seconds:
            return ""
        return f"{1 / self._seconds:.2f} it/s" if self._seconds < 1 else f"{self._seconds:.2f} s/it"

    def eta_text(self) -> str:
        """Time left: in the run, and in the phase where there are several."""
        left = self.remaining_seconds()
        if left is None or not self._lengths:
            return ""
        remaining = self._remaining()
        if len(remaining) == 1 or remaining[1][0] == 0:
            return f"{format_duration(left)} left"
        return f"{format_duration(left)} left ({format_duration(remaining[0][0] * (self._seconds or 0))} this phase)"

    def _remaining(self, limited: bool = True) -> list[tuple[int, float]]:
        """(iterations, cost relative to the current phase) still to run per phase, up to
        ``train.max_iterations`` where ``limited``."""
        if not self._lengths:
            return []
        limit = self.settings.max_iterations if limited else None
        budget = None if limit is None else limit - self._global
        here = self._costs[self._phase] or 1.0
        out = []
        for index in range(self._phase, len(self._lengths)):
            count = self._lengths[index] - (self._phase_done if index == self._phase else 0)
            count = max(count, 0) if budget is None else max(min(count, budget), 0)
            out.append((count, self._costs[index] / here))
            if budget is not None:
                budget -= count
        return out

    def remaining_iterations(self, limited: bool = True) -> int:
        return sum(count for count, _ in self._remaining(limited))

    def remaining_seconds(self) -> float | None:
        """Seconds to the end of the schedule (or ``train.max_iterations``) at the smoothed rate."""
        if self._seconds is None:
            return None
        return sum(count * cost for count, cost in self._remaining()) * self._seconds

    def samples(self, global_step: int, columns: Mapping[str, torch.Tensor]) -> Path | None:
        """Save a grid (one row per sample, one titled column per visual) as PNG and to TensorBoard."""
        if not self.active:
            return None
        from torchvision.utils import make_grid  # slow to import: only when a grid is drawn

        rows = torch.stack([_rgb(c).float().cpu() for c in columns.values()], 1).flatten(0, 1)
        grid = make_grid((rows.clamp(-1, 1) + 1) / 2, nrow=len(columns), padding=2)
        titled = _titled(grid, list(columns), rows.shape[-1] + 2)
        path = self.run_dir / "samples" / f"step-{global_step:08d}.png"
        path.parent.mkdir(exist_ok=True)
        titled.save(path)
        if self.writer is not None:
            self.writer.add_image("samples", np.asarray(titled), global_step, dataformats="HWC")
        return path

    def message(self, text: str) -> None:
        if self.active:
            console = self.progress.console if self.progress else Console(stderr=True)
            console.print(text, soft_wrap=True, markup=False, highlight=False)  # commands stay copyable

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


def format_duration(seconds: float) -> str:
    """``3 d 4 h``, ``2 h 05 min``, ``12 min``, ``40 s``: as precise as a forecast deserves."""
    seconds = round(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes >= 5:
        return f"{minutes} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _titled(grid: torch.Tensor, titles: list[str], column: int) -> Image.Image:
    """The grid (values in [0, 1]) with each column's title above it."""
    from PIL import ImageDraw

    image = Image.fromarray((grid.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
    font = ImageFont.load_default()
    header = 14
    out = Image.new("RGB", (image.width, image.height + header), "white")
    out.paste(image, (0, header))
    draw = ImageDraw.Draw(out)
    for i, title in enumerate(titles):
        width = draw.textlength(title, font=font)
        draw.text((2 + i * column + max((column - 2 - width) / 2, 0), 1), title, fill="black", font=font)
    return out


def _rgb(images: torch.Tensor) -> torch.Tensor:
    """Grey images repeated to three channels, so every column of a grid is RGB."""
    return images.repeat(1, 3, 1, 1) if images.shape[1] == 1 else images[:, :3]
