"""The generic trainer: runs any architecture's phases, steps and weighted losses.

It knows no model family. The architecture says which phases there are, which parameter
groups each trains and in which order their steps run; the configuration says which loss
terms, with which weights, and how each group is optimized. Everything else here (precision,
accumulation, data parallelism, checkpoints, logging, stopping) is the same for every family.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
import shutil
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch
from torch import nn

from zoo.architecture import Architecture, Phase
from zoo.checkpoint import FINAL_NAME, Checkpoint, CheckpointStore, Position, find_checkpoint
from zoo.config import RunConfig
from zoo.data import to_device
from zoo.errors import ConfigError, NonFiniteLossError, ZooError
from zoo.files import writable
from zoo.inference import best_device
from zoo.loss import Forward, LossTerm, StepState
from zoo.nn.norm import SyncBatchNorm2d, synchronize
from zoo.registry import Registry, get_registry
from zoo.saved import load_strict, training_pipeline
from zoo.trainer.distributed import World
from zoo.trainer.evaluator import Evaluator
from zoo.trainer.loader import Batches
from zoo.trainer.monitor import Monitor, truncate_metrics

Module = TypeVar("Module", bound=nn.Module)


@dataclass
class PhaseRun:
    """The optimizers, schedules and gradient scalers of one phase, by parameter group."""

    phase: Phase
    length: int
    """Iterations in the phase."""
    params: dict[str, list[nn.Parameter]]
    optimizers: dict[str, torch.optim.Optimizer]
    schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler]
    scalers: dict[str, torch.amp.GradScaler]
    wrappers: dict[str, nn.Module] = field(default_factory=dict)

    def state_dict(self) -> dict[str, Any]:
        return {
            name: {group: obj.state_dict() for group, obj in getattr(self, name).items()}
            for name in ("optimizers", "schedulers", "scalers")
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        for name in ("optimizers", "schedulers", "scalers"):
            for group, obj in getattr(self, name).items():
                obj.load_state_dict(state[name][group])


@dataclass
class _Session:
    """What lives through all the phases of one ``fit``."""

    model: Architecture
    dataset: Any
    phases: int
    batches: Batches
    monitor: Monitor
    samples: dict[str, Any]
    last: Path | None = None
    global_step: int = 0
    stopped: bool = False
    sampled_checkpoint: bool = False
    """Whether the session's first checkpoint came with a sample grid."""
    evaluator: Evaluator | None = None


class Trainer:
    """Trains ``config`` into ``run_dir``; ``resume`` names a run folder or checkpoint to continue."""

    def __init__(
        self,
        config: RunConfig,
        run_dir: str | Path,
        registry: Registry | None = None,
        resume: str | Path | None = None,
    ):
        self.config, self.run_dir = config, Path(run_dir)
        self.registry = registry or get_registry()
        self.settings = config.train
        self.world = World.from_env()
        self.device = _device(self.settings.device, self.world)
        self.store = CheckpointStore(self.run_dir / "checkpoints", self.settings.keep_checkpoints)
        self.resume = Path(resume) if resume else None
        self._memory_format = torch.channels_last if self.settings.channels_last else torch.preserve_format
        self.losses = self._build_losses()
        self._stop_requested = False
        self._saving = False
        self._progress: _Session | None = None
        self._schedule: list[int] = []
        self._saved_at = time.monotonic()
        self._said_unsynchronized = False
        if self.settings.precision == "fp16" and self.device.type != "cuda":
            raise ConfigError("train.precision=fp16 needs a CUDA device; use bf16 (or amp) on the CPU")

    # --- the run ----------------------------------------------------------------------------
    def fit(self) -> Path | None:
        """Train to the end (or to ``train.max_iterations``, or a stop signal); returns the last
        checkpoint's folder."""
        self.world.init(self.device)
        try:
            with self._stop_signals():
                return self._fit()
        finally:
            self.world.close()

    def _fit(self) -> Path | None:
        settings, world = self.settings, self.world
        _seed_everything(settings.seed + world.rank, settings.deterministic)
        dataset = self.registry.create("dataset", self.config.data.name, **self.config.data.options)
        evaluator = None
        if self.config.eval.every:
            evaluator = Evaluator(self.config.eval, self.registry, self.run_dir, self.config.data.name)
            dataset, held = evaluator.split(dataset)
        model: Architecture = self.registry.get("architecture", self.config.arch).obj(self.config, self.registry)
        self._place(model).train()
        phases = model.phases(dataset)
        samples = to_device(_sample_batch(dataset, settings.num_samples), self.device)
        model.check_batch(samples)
        checkpoint = self._resume_point()
        position = self._restore(model, phases, checkpoint)
        batches = Batches(
            dataset, settings.batch_size, settings.num_workers, settings.seed, world, position.data_cursor
        )
        session = _Session(
            model,
            dataset,
            len(phases),
            batches,
            Monitor(self.run_dir, settings, world.is_main),
            samples,
            last=checkpoint.path if checkpoint else None,
            global_step=position.global_step,
            sampled_checkpoint=checkpoint is not None,
            evaluator=evaluator,
        )
        if evaluator is not None:
            session.monitor.message(held)
        session.monitor.message(
            f"training {self.config.arch} on {self.device} x {world.world_size} process(es) in {self.run_dir}"
        )
        self._schedule = [_iterations(phase, batches, settings.accumulate) for phase in phases]
        session.monitor.plan(
            self._schedule,
            [model.phase_cost(phase) for phase in phases],
            position.global_step,
        )
        self._progress = session
        if checkpoint is None:
            self._sample(session, 0)  # what the untrained model makes, to compare with
        run: PhaseRun | None = None
        try:
            for index in range(position.phase, len(phases)):
                resumed = checkpoint is not None and index == position.phase
                if not resumed:
                    model.build_phase(phases[index])
                    self._place(model)
                    model.start_phase(phases[index], dataset)
                run = self._phase_run(model, phases[index], batches, previous=run)
                if resumed:
                    state = checkpoint.training_state()
                    run.load_state_dict(state)
                    _set_rng_state(state["rng"], world)
                session.monitor.start_phase(
                    f"{run.phase.name} ({index + 1}/{len(phases)})",
                    run.length,
                    position.iteration if resumed else 0,
                    index,
                )
                position = self._train_phase(session, run, index, position if resumed else None)
                if session.stopped:
                    break
            self._sample(session, position.global_step)
            session.monitor.message(self._ending(session, position))
            if position.finished and self.world.is_main:
                self._final_save(session)
            return session.last
        finally:
            session.monitor.close()
            model.set_wrappers({})

    def _restore(self, model: Architecture, phases: list[Phase], checkpoint: Checkpoint | None) -> Position:
        """Shape the model as at ``checkpoint`` and load its weights; a new run gets its folder."""
        position = checkpoint.position if checkpoint else Position(0, 0, 0, 0)
        if checkpoint:
            for phase in phases[: position.phase + 1]:
                model.build_phase(phase)
            self._place(model)
            load_strict(model.nets, checkpoint.weights(), checkpoint.path)
        if self.world.is_main:  # before anything is written: one line, not a traceback mid-way
            elsewhere = f"zoo train --resume {self.resume} --out NEW" if self.resume else "zoo train --out NEW"
            writable(self.run_dir, "the run's config, metrics and checkpoints", f"use another folder: {elsewhere}")
        if self.world.is_main and not (self.run_dir / "config.yaml").is_file():
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.config.save(self.run_dir / "config.yaml")
        limit = self.settings.max_iterations
        if limit is not None and position.global_step >= limit:
            raise ZooError(
                f"{self.run_dir} is at step {position.global_step}, train.max_iterations={limit}: to continue, "
                f"raise it or --set train.max_iterations=null"
            )
        if self.world.is_main:
            self.store.clean_partial()
            truncate_metrics(self.run_dir, position.global_step)
        return position

    def _train_phase(self, session: _Session, run: PhaseRun, index: int, resumed: Position | None) -> Position:
        """Iterate through phase ``index`` (from where ``resumed`` left it); returns the position reached."""
        settings, batches, monitor = self.settings, session.batches, session.monitor
        start = resumed.iteration if resumed else 0
        position = resumed or Position(index, 0, session.global_step, batches.cursor)
        last_phase = index == session.phases - 1
        if last_phase and start == run.length and not position.finished:  # finish failed before
            position = self._finish(session, run, position)
        for iteration in range(start, run.length):
            epoch = batches.epoch
            losses, lrs = self._iteration(session.model, run, batches)
            position = Position(index, iteration + 1, position.global_step + 1, batches.cursor)
            session.global_step = position.global_step
            monitor.step(position.global_step, run.phase.name, epoch, losses, lrs)
            if position.global_step % settings.sample_every == 0:
                self._sample(session, position.global_step)
            if session.evaluator is not None and session.evaluator.due(position.global_step):
                self._evaluate(session, run)
            session.stopped = self._should_stop(position)
            phase_done = iteration + 1 == run.length
            if phase_done and last_phase:
                position = self._finish(session, run, position)
            elif session.stopped or phase_done or self._checkpoint_due(position):
                session.last = self._save(session.model, run, position)
            if session.last is not None and not session.sampled_checkpoint:
                session.sampled_checkpoint = True  # the first checkpoint comes with a grid
                if position.global_step % settings.sample_every:
                    self._sample(session, position.global_step)
            if session.stopped:
                break
        return position

    def _finish(self, session: _Session, run: PhaseRun, position: Position) -> Position:
        """The architecture's after-training work, checkpointed before and after: if it fails, the
        trained weights are kept and a resume runs it again."""
        try:
            session.model.finish(session.dataset)
        except BaseException:
            session.last = self._save(session.model, run, position)
            raise
        position = dataclasses.replace(position, finished=True)
        session.last = self._save(session.model, run, position)
        return position

    def _iteration(self, model: Architecture, run: PhaseRun, batches: Batches) -> tuple[dict, dict]:
        """One iteration: every step of the phase, in order, on ``accumulate`` micro-batches."""
        phase = run.phase
        micro = [model.prepare_batch(to_device(next(batches), self.device)) for _ in range(self.settings.accumulate)]
        # DistributedDataParallel pairs each forward with its own backward: with several
        # micro-batches a forward shared across steps would break that pairing.
        share = phase.share_forward and not (self.world.enabled and len(micro) > 1)
        shared = [Forward(model, batch, shared=True) for batch in micro] if share else None
        lrs = {group: opt.param_groups[0]["lr"] for group, opt in run.optimizers.items()}
        losses: dict[str, float] = {}
        for group, repeats in phase.steps:
            for _ in range(repeats):
                forwards = shared or [Forward(model, batch, shared=False) for batch in micro]
                losses.update(self._step(model, run, group, forwards))
        for scheduler in run.schedulers.values():
            scheduler.step()
        return losses, lrs

    def _step(self, model: Architecture, run: PhaseRun, group: str, forwards: list[Forward]) -> dict[str, float]:
        """One optimizer step of ``group``: the weighted sum of its loss terms, accumulated."""
        terms = [(label, w, term) for label, (w, term) in self.losses.items() if group in term.groups]
        if not terms:
            return {}
        self._set_trainable(model, run, group)
        optimizer, scaler = run.optimizers[group], run.scalers[group]
        optimizer.zero_grad(set_to_none=True)
        logged: dict[str, float] = defaultdict(float)
        for i, forward in enumerate(forwards):
            state = StepState(model, forward, group)
            with self._no_sync(run, last=i == len(forwards) - 1):
                with self._autocast():
                    values = {label: term(state).float() for label, _, term in terms}
                    total = sum(w * values[label] for label, w, _ in terms)
                self._check_finite(group, values)
                scaler.scale(total / len(forwards)).backward()
            for label, value in values.items():
                logged[f"{group}/{label}"] += value.item() / len(forwards)
        self._check_gradients(group, optimizer, scaler)
        scaler.step(optimizer)
        scaler.update()
        return self.world.mean(dict(logged))

    # --- phases -----------------------------------------------------------------------------
    def _phase_run(self, model: Architecture, phase: Phase, batches: Batches, previous: PhaseRun | None) -> PhaseRun:
        """Optimizers over the groups the phase steps (everything else frozen): fresh, except the
        per-parameter state of the groups the phase carries over from ``previous``."""
        per_unit = _per_unit(phase, batches, self.settings.accumulate)
        groups = list(dict.fromkeys(group for group, _ in phase.steps))
        missing = [g for g in groups if g not in self.config.optim]
        if missing:
            raise ConfigError(f"phase {phase.name!r} steps group(s) {missing} with no optim settings")
        self._synchronize_batch_norm(model)  # first: it replaces modules, so their parameters
        for p in model.parameters():
            p.requires_grad_(False)
        params = {g: [p for p in model.parameters_for(g, phase)] for g in groups}
        for group_params in params.values():
            for p in group_params:
                p.requires_grad_(True)
        optimizers = {
            g: self.registry.create("optimizer", o.name, params[g], **o.options)
            for g, o in ((g, self.config.optim[g]) for g in groups)
        }
        for group in phase.carry:
            if previous is not None and group in previous.optimizers:
                optimizers[group].state.update(previous.optimizers[group].state)
        schedule = phase.schedule
        factor = (
            (lambda unit: 1.0)
            if schedule is None
            else self.registry.create("lr_schedule", schedule.name, **schedule.options)
        )
        schedulers = {
            g: torch.optim.lr_scheduler.LambdaLR(opt, lambda i: factor(i // per_unit)) for g, opt in optimizers.items()
        }
        fp16 = self._dtype() == torch.float16
        scalers = {g: torch.amp.GradScaler(self.device.type, enabled=fp16) for g in groups}
        run = PhaseRun(phase, phase.length * per_unit, params, optimizers, schedulers, scalers)
        if self.world.enabled:
            run.wrappers = {
                name: self.world.wrap(net)
                for name, net in model.nets.items()
                if any(p.requires_grad for p in net.parameters())
            }
            model.set_wrappers(run.wrappers)
        return run

    def _synchronize_batch_norm(self, model: Architecture) -> None:
        """Batch norm meant to be synchronized becomes :class:`torch.nn.SyncBatchNorm` under
        multi-GPU data parallelism; elsewhere it stays plain batch norm, which is said once."""
        if not any(isinstance(m, SyncBatchNorm2d) for m in model.modules()):
            return
        if self.world.enabled and self.device.type == "cuda":
            synchronize(model)
        elif self.world.is_main and not self._said_unsynchronized:
            self._said_unsynchronized = True
            where = "on the CPU" if self.device.type != "cuda" else "in a single process"
            print(f"synchronized batch norm runs as plain batch norm {where}", file=sys.stderr)

    @staticmethod
    def _set_trainable(model: Architecture, run: PhaseRun, group: str) -> None:
        """In a generator step the other groups are frozen (no gradients wasted on them); in the
        other steps the generator's outputs arrive detached, so every group may stay trainable."""
        generator_step = group == model.generator_group
        for name, params in run.params.items():
            for p in params:
                p.requires_grad_(name == group or not generator_step)

    # --- precision, data parallelism, failures ------------------------------------------------
    def _dtype(self) -> torch.dtype | None:
        precision = self.settings.precision
        if precision == "fp32":
            return None
        if precision == "amp":
            return torch.float16 if self.device.type == "cuda" else torch.bfloat16
        return torch.float16 if precision == "fp16" else torch.bfloat16

    def _autocast(self) -> contextlib.AbstractContextManager:
        dtype = self._dtype()
        return torch.autocast(self.device.type, dtype=dtype) if dtype else contextlib.nullcontext()

    @staticmethod
    def _no_sync(run: PhaseRun, last: bool) -> contextlib.AbstractContextManager:
        """Gradients are averaged across processes only on the last micro-batch."""
        stack = contextlib.ExitStack()
        if not last:
            for wrapper in run.wrappers.values():
                stack.enter_context(wrapper.no_sync())
        return stack

    def _check_finite(self, group: str, values: Mapping[str, torch.Tensor]) -> None:
        bad = {label: v.item() for label, v in values.items() if not torch.isfinite(v).all()}
        if self.world.any(bool(bad)):
            names = ", ".join(f"{group}/{k}={v}" for k, v in bad.items()) or "on another process"
            self._fail(f"loss {names} is not finite")

    def _check_gradients(self, group: str, optimizer: torch.optim.Optimizer, scaler: torch.amp.GradScaler) -> None:
        """A finite loss can still give a NaN gradient; stop before it reaches the weights. (With
        fp16 the gradient scaler skips such steps itself, as it should.)"""
        if scaler.is_enabled():
            return
        params = [p for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        norm = torch.nn.utils.get_total_norm([p.grad for p in params]) if params else torch.zeros(())
        if self.world.any(not bool(torch.isfinite(norm))):
            self._fail(f"the gradient of group {group} is not finite (norm {norm.item()})")

    def _fail(self, what: str) -> None:
        latest = self.store.latest()
        where = f"the last good checkpoint is {latest.path}" if latest else "no checkpoint was saved yet"
        raise NonFiniteLossError(
            f"{what}; training stopped and {where}. Lower the learning rate (optim.*.lr), use "
            f"train.precision=fp32, or check the data for NaNs."
        )

    def _should_stop(self, position: Position) -> bool:
        limit = self.settings.max_iterations
        return self.world.any(self._stop_requested or (limit is not None and position.global_step >= limit))

    def _checkpoint_due(self, position: Position) -> bool:
        """Every ``checkpoint_every`` iterations, or ``checkpoint_minutes`` after the last save
        (decided together by all processes, whose clocks differ)."""
        minutes = self.settings.checkpoint_minutes
        late = minutes is not None and time.monotonic() - self._saved_at >= 60 * minutes
        return position.global_step % self.settings.checkpoint_every == 0 or self.world.any(late)

    def _ending(self, session: _Session, position: Position) -> str:
        """The last line of a run: where it stopped, and the command that continues it."""
        step, limit = position.global_step, self.settings.max_iterations
        if position.finished:
            return f"finished at step {step}; the model is in {self.run_dir / FINAL_NAME}"
        if self._stop_requested:
            return f"stopped at step {step}; continue with: zoo train --resume {self.run_dir}"
        return (
            f"reached train.max_iterations={limit} at step {step} of {session.monitor.schedule_total()}; "
            f"to continue: zoo train --resume {self.run_dir} --set train.max_iterations=N (more than {step}, "
            f"or null for the whole schedule)"
        )

    @contextlib.contextmanager
    def _stop_signals(self) -> Iterator[None]:
        """Ctrl-C, SIGTERM or SIGHUP (the terminal closed) finishes the iteration, saves a
        checkpoint and stops, saying so at once; a second one aborts, saying what is lost."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def request(signum: int, frame: Any) -> None:
            if self._stop_requested:
                _say(self._abort_message())
                raise KeyboardInterrupt
            self._stop_requested = True
            if self.world.is_main:
                _say(
                    f"{signal.Signals(signum).name}: stopping after this iteration and saving a checkpoint... "
                    f"(Ctrl-C again to abort without saving)"
                )

        names = ("SIGINT", "SIGTERM", "SIGHUP")
        signals = [getattr(signal, name) for name in names if hasattr(signal, name)]
        previous = {sig: signal.signal(sig, request) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _abort_message(self) -> str:
        """What a second stop signal loses: the iterations since the last checkpoint."""
        session = self._progress
        latest = self.store.latest()
        step = session.global_step if session else 0
        what = "the checkpoint being written, and " if self._saving else ""
        if latest is None:
            return f"aborted without saving: {what}all {step} iteration(s) of this run are lost (no checkpoint yet)"
        kept = latest.position.global_step
        return (
            f"aborted without saving: {what}{step - kept} iteration(s) since step {kept} are lost; "
            f"zoo train --resume {self.run_dir} continues from {latest.path.name}"
        )

    # --- checkpoints and samples ----------------------------------------------------------------
    def _resume_point(self) -> Checkpoint | None:
        if self.resume is None:
            if self.store.latest() is not None:
                raise ZooError(
                    f"{self.run_dir} already holds checkpoints; continue with --resume {self.run_dir} "
                    f"or train into another folder"
                )
            return None
        checkpoint = find_checkpoint(self.resume)
        if self.world.is_main:
            aside = self.store.set_aside_after(checkpoint)
            if aside:
                print(f"resuming from {checkpoint.path.name}: the later checkpoints moved to {aside}", file=sys.stderr)
        return checkpoint

    def _save(self, model: Architecture, run: PhaseRun, position: Position) -> Path | None:
        rng = self.world.gather(_rng_state())
        path = None
        if self.world.is_main:
            state = {**run.state_dict(), "rng": rng}
            self._saving = True
            try:
                path = self.store.save(position, run.phase.name, model.net_state(), state, self.config, self._schedule)
            finally:
                self._saving = False
        self.world.barrier()
        self._saved_at = time.monotonic()
        return path

    def _final_save(self, session: _Session) -> None:
        """The finished model's inference networks in ``model/`` (a saved model, a fraction of a
        checkpoint's size); with ``train.final=weights`` the checkpoints then go."""
        latest = self.store.latest()
        if latest is None:
            return
        weights = latest.weights()
        training_pipeline(self.config, latest.phase_name, weights, latest.path, self.registry, "cpu").save(
            self.run_dir / FINAL_NAME
        )
        if self.settings.final == "weights":
            shutil.rmtree(self.store.folder, ignore_errors=True)
            session.last = self.run_dir / FINAL_NAME

    def _sample(self, session: _Session, step: int) -> None:
        """A sample grid of the fixed batch (main process only), in eval mode, without touching
        the training RNG."""
        if not self.world.is_main:
            return
        model, batch = session.model, session.samples
        modes = {m: m.training for m in model.modules()}
        devices = [self.device.index or 0] if self.device.type == "cuda" else []
        try:
            with torch.random.fork_rng(devices=devices), torch.no_grad():
                model.eval()
                prepared = model.prepare_batch(batch)
                session.monitor.samples(step, model.visuals(prepared, model.generate(prepared)))
        finally:
            for module, mode in modes.items():
                module.training = mode

    def _evaluate(self, session: _Session, run: PhaseRun) -> None:
        """The metrics on the held-out items with the current inference weights (main process)."""
        if not self.world.is_main:
            return
        model, step = session.model, session.global_step

        def pipeline():
            return training_pipeline(
                self.config, run.phase.name, model.net_state(), self.run_dir, self.registry, self.device
            )

        session.evaluator.run(pipeline, step, session.monitor.evaluation)

    def _place(self, module: Module) -> Module:
        """``module`` on the run's device, its 4-D weights channels-last where the run asks."""
        return module.to(self.device, memory_format=self._memory_format)

    def _build_losses(self) -> dict[str, tuple[float, LossTerm]]:
        """The weighted loss terms; a term of weight 0 is never built (a VGG loss without its
        weights file can be switched off so)."""
        return {
            label: (term.weight, self._place(self.registry.create("loss", term.name, **term.options)))
            for label, term in self.config.loss.items()
            if term.weight
        }


def _per_unit(phase: Phase, batches: Batches, accumulate: int) -> int:
    """Iterations in one of ``phase``'s units: an epoch's, or 1 where it counts iterations."""
    return max(1, batches.per_epoch // accumulate) if phase.unit == "epoch" else 1


def _iterations(phase: Phase, batches: Batches, accumulate: int) -> int:
    """Iterations in ``phase``."""
    return phase.length * _per_unit(phase, batches, accumulate)


def _say(text: str) -> None:
    """A line on stderr at once, even from a signal handler while the progress bar draws."""
    sys.stderr.write(f"\n{text}\n")
    sys.stderr.flush()


def _device(name: str, world: World) -> torch.device:
    """The device ``train.device`` names; ``auto`` and a bare ``cuda`` take this process's GPU."""
    if name == "auto":
        name = best_device().type
    device = torch.device(name)
    if device.type == "cuda":
        count = torch.cuda.device_count()
        device = torch.device("cuda", world.local_rank if device.index is None else device.index)
        if device.index >= count:
            raise ConfigError(f"train.device={name}: this machine has {count} CUDA device(s); use auto or cpu")
    return device


def _seed_everything(seed: int, deterministic: bool) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    if deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False


def _rng_state() -> dict[str, Any]:
    name, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": (name, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss),
    }


def _set_rng_state(states: list[dict[str, Any]], world: World) -> None:
    state = states[world.rank % len(states)]
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    random.setstate(_tuples(state["python"]))
    name, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))


def _tuples(value: Any) -> Any:
    """``random.setstate`` needs tuples where serialization may have produced lists."""
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _sample_batch(dataset: Any, count: int) -> dict[str, Any]:
    """The first ``count`` items (epoch 0's augmentation) that share the first item's sizes,
    collated: the same grid every time."""
    if hasattr(dataset, "set_epoch"):
        dataset.set_epoch(0)
    first = dataset[0]

    def shapes(item: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v.shape for k, v in item.items() if isinstance(v, torch.Tensor)}

    items = [first, *(dataset[i] for i in range(1, min(count, len(dataset))))]
    return torch.utils.data.default_collate([item for item in items if shapes(item) == shapes(first)])
