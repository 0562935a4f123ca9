"""The generic trainer: learning, exact resumption, atomic checkpoints, precision, accumulation,
monitoring and failure handling, shown on tiny pix2pix runs."""

from __future__ import annotations

import math
import os
import signal

import pytest
import torch
from helpers import TINY, tiny_config
from torch.optim.optimizer import register_optimizer_step_pre_hook

import zoo
from zoo import hookimpl
from zoo.errors import ConfigError, NonFiniteLossError, ZooError
from zoo.loss import LossTerm
from zoo.registry import Registry
from zoo.saved import read_weights
from zoo.trainer.monitor import read_metrics


def _losses(run):
    return [(m["step"], m["losses"]) for m in read_metrics(run)]


def _with_loss(name, term):
    """A registry with the installed plugins and one more that provides the loss term ``name``."""

    class Plugin:
        @hookimpl
        def zoo_losses(self):
            return {name: term}

    registry = Registry()
    registry.register(Plugin(), name=name)
    return registry


def _final_weights(run):
    latest = sorted((run / "checkpoints").iterdir())[-1]
    return read_weights(latest / "model.safetensors")


def test_training_on_the_embedded_default_learns(tmp_path):
    overrides = ["G.ngf=16", "D.ndf=16", "data.num_samples=64", "schedule.epochs=5", "schedule.decay_epochs=0"]
    cfg = tiny_config(*overrides)
    val = zoo.get_registry().create("dataset", "synthetic", size=32, num_samples=32, split="val")
    batch = torch.utils.data.default_collate([val[i] for i in range(len(val))])

    def held_out_l1(pipe):
        with torch.no_grad():
            return (pipe.generate(batch["input"]) - batch["target"]).abs().mean().item()

    torch.manual_seed(cfg.train.seed)
    arch = zoo.get_registry().get("architecture", "pix2pix").obj
    untrained = arch.pipeline(cfg, arch.build_nets(cfg, zoo.get_registry(), ["G"]), device="cpu")
    run = zoo.train(cfg, out=tmp_path / "run")
    trained = zoo.load(run, device="cpu")
    before, after = held_out_l1(untrained), held_out_l1(trained)
    assert after < 0.6 * before, (before, after)


@pytest.mark.parametrize("extra", [[], ["train.accumulate=2", "train.batch_size=2"]])
def test_an_interrupted_run_resumes_exactly(tmp_path, extra):
    cfg = tiny_config("schedule.epochs=2", *extra)
    whole = zoo.train(cfg, out=tmp_path / "whole")
    stopped = tiny_config("schedule.epochs=2", "train.max_iterations=5", *extra)
    part = zoo.train(stopped, out=tmp_path / "part")
    assert len(read_metrics(part)) == 5
    zoo.train(cfg, resume=part)
    assert read_metrics(part) == read_metrics(whole)
    ours, theirs = _final_weights(part), _final_weights(whole)
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


FAST = ["train.channels_last=true", "optim.G.fused=true", "optim.D.fused=true"]
"""The opt-in speed-ups that keep fp32 (benchmarks/training.py measures them)."""


def _layouts(monkeypatch) -> list[bool]:
    """Whether the generator's first convolution weight is channels-last at each training step."""
    arch = zoo.get_registry().get("architecture", "pix2pix").obj
    seen, original = [], arch.generate

    def generate(self, batch):
        weight = next(m for m in self.nets["G"].modules() if isinstance(m, torch.nn.Conv2d)).weight
        seen.append(weight.is_contiguous(memory_format=torch.channels_last))
        return original(self, batch)

    monkeypatch.setattr(arch, "generate", generate)
    return seen


def _fused(run) -> set:
    latest = sorted((run / "checkpoints").iterdir())[-1]
    state = torch.load(latest / "training_state.pt", weights_only=True)["optimizers"]
    return {group["fused"] for optimizer in state.values() for group in optimizer["param_groups"]}


def test_channels_last_and_fused_adam_are_opt_in_and_a_run_with_them_resumes_exactly(tmp_path, monkeypatch):
    layouts = _layouts(monkeypatch)
    default = zoo.train(tiny_config("train.max_iterations=2"), out=tmp_path / "default")
    assert layouts and not any(layouts) and _fused(default) == {None}  # NCHW and Adam's loop, as the official code
    layouts.clear()
    whole = zoo.train(tiny_config("schedule.epochs=2", *FAST), out=tmp_path / "whole")
    assert layouts and all(layouts) and _fused(whole) == {True}
    part = zoo.train(tiny_config("schedule.epochs=2", "train.max_iterations=5", *FAST), out=tmp_path / "part")
    zoo.train(tiny_config("schedule.epochs=2", *FAST), resume=part)
    assert read_metrics(part) == read_metrics(whole)
    ours, theirs = _final_weights(part), _final_weights(whole)
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def test_resume_from_an_older_checkpoint_sets_the_later_ones_aside(tmp_path):
    cfg = tiny_config("train.checkpoint_every=2", "train.keep_checkpoints=10")
    run = zoo.train(cfg, out=tmp_path / "run")
    expected = read_metrics(run)
    zoo.train(cfg, resume=run / "checkpoints" / "step-00000004")
    assert read_metrics(run) == expected
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names[0].startswith("abandoned-") and names[1:] == [f"step-0000000{i}" for i in (2, 4, 6, 8)]
    assert sorted(p.name for p in (run / "checkpoints" / names[0]).iterdir()) == ["step-00000006", "step-00000008"]


def test_resume_can_fork_into_another_folder(tmp_path):
    run = zoo.train(tiny_config("train.checkpoint_every=4"), out=tmp_path / "run")
    fork = zoo.train(resume=run / "checkpoints" / "step-00000004", out=tmp_path / "fork")
    assert read_metrics(fork) == read_metrics(run)[4:]
    assert (fork / "config.yaml").is_file() and (fork / "checkpoints" / "step-00000008").is_dir()


def test_resume_refuses_a_changed_recipe_and_a_new_run_refuses_a_used_folder(tmp_path):
    run = zoo.train(tiny_config("train.max_iterations=2"), out=tmp_path / "run")
    with pytest.raises(ConfigError, match=r"cannot resume .* with a different G"):
        zoo.train(tiny_config("G.ngf=4"), resume=run)
    zoo.train(tiny_config("train.log_every=2", "train.max_iterations=3"), resume=run)  # train.* may change
    with pytest.raises(ConfigError, match=r"different train\.batch_size"):
        zoo.train(tiny_config("train.batch_size=2"), resume=run)
    with pytest.raises(ZooError, match="already holds checkpoints; continue with --resume"):
        zoo.train(tiny_config(), out=run)
    with pytest.raises(ZooError, match="holds no finished checkpoint"):
        zoo.train(tiny_config(), resume=tmp_path)


def test_checkpoints_are_atomic_and_only_the_last_n_are_kept(tmp_path, monkeypatch):
    cfg = tiny_config("train.checkpoint_every=2", "train.keep_checkpoints=2", "schedule.epochs=2")
    run = zoo.train(cfg, out=tmp_path / "run")
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["step-00000010", "step-00000012"]
    files = {p.name for p in (run / "checkpoints" / names[-1]).iterdir()}
    assert files == {"model.safetensors", "training_state.pt", "config.json", "meta.json"}

    # A crash while a checkpoint is written leaves the previous one as the latest.
    from zoo import checkpoint

    def crash(*args, **kwargs):
        raise OSError("disk full")

    crashing = tiny_config("train.checkpoint_every=2", "schedule.epochs=2", "train.max_iterations=4")
    partial = zoo.train(crashing, out=tmp_path / "partial")  # checkpoints at 2 and 4
    monkeypatch.setattr(checkpoint.torch, "save", crash)
    with pytest.raises(OSError, match="disk full"):
        zoo.train(tiny_config("train.checkpoint_every=2", "schedule.epochs=2"), resume=partial)
    left = sorted(p.name for p in (partial / "checkpoints").iterdir())
    assert left[-1] == "step-00000004" and not any(name.startswith(".tmp-") for name in left)  # removed at once
    monkeypatch.undo()
    zoo.train(tiny_config("train.checkpoint_every=2", "schedule.epochs=2"), resume=partial)
    assert not any(p.name.startswith(".") for p in (partial / "checkpoints").iterdir())
    assert _losses(partial) == _losses(tmp_path / "run")


class _Poison(LossTerm):
    """Turns NaN at a given iteration (counted over its calls)."""

    def __init__(self, at: int = 3):
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, state):
        self.calls += 1
        return torch.tensor(math.nan if self.calls >= self.at else 0.0)


def test_a_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path):
    registry = _with_loss("poison", _Poison)
    cfg = zoo.make_config(
        "pix2pix",
        overrides=[*TINY, "loss.poison.name=poison", "loss.poison.at=5", "train.checkpoint_every=2"],
        registry=registry,
    )
    with pytest.raises(NonFiniteLossError, match=r"loss G/poison=nan is not finite.*step-00000004"):
        zoo.train(cfg, out=tmp_path / "run", registry=registry)
    assert sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir()) == ["step-00000002", "step-00000004"]


class _NaNGradient(LossTerm):
    """A finite loss (sqrt(0) = 0) whose gradient is NaN (0 x inf)."""

    def forward(self, state):
        return torch.sqrt(state.fake.sum() * 0)


def test_a_non_finite_gradient_stops_the_run_before_it_reaches_the_weights(tmp_path):
    registry = _with_loss("nan-gradient", _NaNGradient)
    cfg = zoo.make_config("pix2pix", overrides=[*TINY, "loss.bad.name=nan-gradient"], registry=registry)
    with pytest.raises(NonFiniteLossError, match=r"the gradient of group G is not finite.*no checkpoint was saved"):
        zoo.train(cfg, out=tmp_path / "run", registry=registry)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_bf16_autocast_and_monitoring(tmp_path):
    cfg = tiny_config("train.precision=bf16", "train.tensorboard=true", "train.sample_every=4")
    run = zoo.train(cfg, out=tmp_path / "run")
    metrics = read_metrics(run)
    assert len(metrics) == 8 and all(math.isfinite(v) for m in metrics for v in m["losses"].values())
    assert set(metrics[0]["losses"]) == {"D/gan", "G/gan", "G/l1"} and set(metrics[0]["lr"]) == {"G", "D"}
    assert sorted(p.name for p in (run / "samples").iterdir()) == [f"step-0000000{i}.png" for i in (0, 4, 8)]
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))
    assert (run / "config.yaml").is_file()


def test_fp16_needs_cuda():
    if torch.cuda.is_available():
        pytest.skip("CUDA is present: fp16 is allowed")
    with pytest.raises(ConfigError, match="fp16 needs a CUDA device"):
        zoo.train(tiny_config("train.precision=fp16"), out="/nonexistent")


def _first_gradients(cfg, out):
    """The gradients each optimizer steps with in the first iteration."""
    grads = []

    def capture(optimizer, args, kwargs):
        grads.append([p.grad.clone() for group in optimizer.param_groups for p in group["params"]])

    handle = register_optimizer_step_pre_hook(capture)
    try:
        zoo.train(cfg, out=out)
    finally:
        handle.remove()
    return grads


def test_gradient_accumulation_matches_a_larger_batch(tmp_path):
    common = ["G.norm=instance", "D.norm=instance", "G.use_dropout=false", "train.max_iterations=1"]
    big = _first_gradients(tiny_config(*common), tmp_path / "big")
    accumulated = _first_gradients(tiny_config(*common, "train.batch_size=2", "train.accumulate=2"), tmp_path / "acc")
    assert len(big) == len(accumulated) == 2  # a D step and a G step
    for ours, theirs in zip(accumulated, big, strict=True):
        # biases before instance norm have a true gradient of 0: only float noise there
        assert all(torch.allclose(a, b, rtol=1e-3, atol=1e-5) for a, b in zip(ours, theirs, strict=True))
    assert _losses(tmp_path / "big")[0][1] == pytest.approx(_losses(tmp_path / "acc")[0][1], rel=1e-5)


def test_the_learning_rate_decays_linearly_as_in_the_official_code(tmp_path):
    run = zoo.train(tiny_config("schedule.epochs=1", "schedule.decay_epochs=3"), out=tmp_path / "run")
    lrs = [m["lr"]["G"] for m in read_metrics(run)]
    per_epoch = [lrs[i] for i in range(0, 16, 4)]
    assert per_epoch == pytest.approx([2e-4, 2e-4 * 3 / 4, 2e-4 * 2 / 4, 2e-4 * 1 / 4])


class _Interrupt(LossTerm):
    """Sends this process SIGINT on its third call, as a user's Ctrl-C would."""

    calls = 0

    def forward(self, state):
        type(self).calls += 1
        if type(self).calls == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return state.fake.sum() * 0


def test_ctrl_c_finishes_the_iteration_saves_and_stops(tmp_path):
    registry = _with_loss("interrupt", _Interrupt)
    cfg = zoo.make_config("pix2pix", overrides=[*TINY, "loss.stop.name=interrupt"], registry=registry)
    run = zoo.train(cfg, out=tmp_path / "run", registry=registry)
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-00000003"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
