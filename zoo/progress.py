"""How far a model's training got, for its card: the step its checkpoint was taken at, whether the
schedule was finished, and how many iterations the whole schedule has (as the trainer counted
and recorded them in the checkpoint)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from zoo.checkpoint import FINAL_NAME, META_NAME, Checkpoint, find_checkpoint
from zoo.errors import ZooError
from zoo.inference import CONFIG_NAME
from zoo.registry import Registry


def checkpoint_progress(checkpoint: Checkpoint) -> dict[str, Any]:
    """What a checkpoint's metadata say: ``step`` (iterations done), ``phase`` (its name),
    ``phase_number`` (from 1) and ``finished`` (the whole schedule, the architecture's last work
    included). Cheap: no data set or network is built."""
    position = checkpoint.position
    return {
        "step": position.global_step,
        "phase": checkpoint.phase_name,
        "phase_number": position.phase + 1,
        "finished": position.finished,
    }


def run_progress(folder: Path, registry: Registry) -> dict[str, Any] | None:
    """The progress of the run or checkpoint folder ``folder`` (None if it is neither): what
    :func:`checkpoint_progress` says, with ``total`` (the schedule's iterations, as the trainer
    recorded them; None in checkpoints from before it did), ``phases`` (their count) and
    ``limit`` (``train.max_iterations``)."""
    folder = Path(folder)
    is_run = (folder / "checkpoints").is_dir() or (folder / META_NAME).is_file()
    if not is_run:
        if (folder / FINAL_NAME / CONFIG_NAME).is_file():  # a finished run that kept only its model
            return {"finished": True}
        return None
    try:
        checkpoint = find_checkpoint(folder)
    except ZooError:
        return None
    progress = checkpoint_progress(checkpoint)
    if checkpoint.schedule is not None:
        progress["phases"], progress["total"] = len(checkpoint.schedule), sum(checkpoint.schedule)
    with contextlib.suppress(ZooError):
        from zoo.saved import read_config

        progress["limit"] = read_config(checkpoint.path / CONFIG_NAME, registry).train.max_iterations
    return progress


def describe(progress: dict[str, Any] | None) -> str:
    """The card's sentence on ``progress``; empty where nothing is known."""
    if not progress:
        return ""
    step, total = progress.get("step"), progress.get("total")
    if progress.get("finished"):
        done = f" ({step:,} iterations)" if step else ""
        return f"Trained to the end of its schedule{done}."
    of = f" of the {total:,} in its schedule" if total else ", before the end of its schedule"
    phases = progress.get("phases")
    phase = ""
    if phases and phases > 1:
        phase = f", in phase {progress['phase']} ({progress['phase_number']} of {phases})"
    limit = progress.get("limit")
    why = f", at train.max_iterations={limit}" if limit is not None and step is not None and step >= limit else ""
    resume = "zoo train --resume RUN" + (" --set train.max_iterations=null" if why else "")
    return (
        f"**Unfinished**: training stopped at iteration {step:,}{of}{phase}{why}; these are not the weights of "
        f"the fully trained model (`{resume}` continues it)."
    )
