"""Multi-phase training is expressed by the recipe: a test architecture that grows a network
between phases and freezes part of it, trained and resumed in every phase by the same trainer."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import TINY
from torch import nn

import zoo
from zoo import hookimpl
from zoo.architecture import LRSchedule, Phase
from zoo.config import Settings
from zoo.plugins.pix2pix.architecture import Pix2Pix
from zoo.registry import Registry
from zoo.trainer.monitor import read_metrics


class GrowSchedule(Settings):
    warmup: int = 1
    grown: int = 2


class Grow(Pix2Pix):
    """pix2pix that trains G alone (L1 only, D untouched), then adds a refiner R behind a frozen G."""

    Schedule = GrowSchedule

    def phases(self, dataset):
        s = self.config.schedule
        return [
            Phase("warmup", s.warmup, steps=(("G", 1),)),
            Phase(
                "grown",
                s.grown,
                steps=(("D", 1), ("G", 1)),
                schedule=LRSchedule("linear", constant=1, decay=1),
                options={"refine": True},
            ),
        ]

    def build_phase(self, phase):
        if phase.options.get("refine") and "R" not in self.nets:
            self.nets["R"] = nn.Conv2d(3, 3, 3, padding=1)

    def start_phase(self, phase, dataset):
        if "R" in self.nets and phase.options.get("refine"):
            with torch.no_grad():  # start as the identity, so the grown model continues the warm one
                self.nets["R"].weight.zero_()
                self.nets["R"].weight[range(3), range(3), 1, 1] = 1.0
                self.nets["R"].bias.zero_()

    def parameters_for(self, group, phase):
        if group == "G" and phase.options.get("refine"):
            return self.nets["R"].parameters()  # G is frozen in the grown phase
        return super().parameters_for(group, phase)

    def generate(self, batch):
        fake = self.net("G")(batch["input"])
        return {"fake": torch.tanh(self.net("R")(fake)) if "R" in self.nets else fake}


class GrowPlugin:
    @hookimpl
    def zoo_architectures(self):
        return {"grow": Grow}


@pytest.fixture
def registry():
    registry = Registry()
    registry.register(GrowPlugin(), name="grow-test")
    return registry


def _config(registry, *extra):
    return zoo.make_config(
        "grow", overrides=[o for o in TINY if not o.startswith("schedule")] + list(extra), registry=registry
    )


def _checkpoints(run):
    return sorted(p.name for p in (run / "checkpoints").iterdir())


def _weights(run):
    from zoo.saved import read_weights

    return read_weights(sorted((run / "checkpoints").iterdir())[-1] / "model.safetensors")


def test_phases_change_the_networks_the_steps_and_what_trains(tmp_path, registry):
    run = zoo.train(_config(registry), out=tmp_path / "run", registry=registry)
    metrics = read_metrics(run)
    assert [m["phase"] for m in metrics] == ["warmup"] * 4 + ["grown"] * 8
    assert set(metrics[0]["losses"]) == {"G/gan", "G/l1"}  # no D step in the warm-up
    assert set(metrics[-1]["losses"]) == {"D/gan", "G/gan", "G/l1"}
    checkpoints = sorted((run / "checkpoints").iterdir())
    warm = zoo.saved.read_weights(checkpoints[0] / "model.safetensors")
    final = _weights(run)
    assert set(final) - set(warm) == {"R.weight", "R.bias"}
    d_keys = [k for k in warm if k.startswith("D.") and k.endswith("weight")]
    g_keys = [k for k in warm if k.startswith("G.") and k.endswith(("weight", "bias"))]  # not BN statistics
    assert all(torch.equal(warm[k], final[k]) for k in g_keys)  # G frozen after the warm-up
    assert not all(torch.equal(warm[k], final[k]) for k in d_keys)  # D trains only in the second phase
    assert metrics[4]["lr"]["G"] == metrics[7]["lr"]["G"] == 2e-4 and metrics[8]["lr"]["G"] == 1e-4


@pytest.mark.parametrize("stop", [2, 4, 6])  # inside the warm-up, at its end, inside the grown phase
def test_resume_in_any_phase_is_exact(tmp_path, registry, stop):
    whole = zoo.train(_config(registry), out=tmp_path / "whole", registry=registry)
    part = zoo.train(_config(registry, f"train.max_iterations={stop}"), out=tmp_path / "part", registry=registry)
    zoo.train(_config(registry), resume=part, registry=registry)
    assert read_metrics(part) == read_metrics(whole)
    assert _checkpoints(part)[-1] == _checkpoints(whole)[-1] == "step-00000012"
    ours, theirs = _weights(part), _weights(whole)
    assert set(ours) == set(theirs) and all(torch.equal(ours[k], theirs[k]) for k in theirs)


class FlakyFinish(Grow):
    """Grow whose after-training work fails the first time."""

    failures = 1

    def finish(self, dataset):
        if type(self).failures:
            type(self).failures -= 1
            raise RuntimeError("clustering failed")
        with torch.no_grad():
            self.nets["R"].bias.fill_(7.0)


def test_work_after_training_that_fails_keeps_the_weights_and_runs_again_on_resume(tmp_path):
    class Plugin:
        @hookimpl
        def zoo_architectures(self):
            return {"flaky": FlakyFinish}

    registry = Registry()
    registry.register(Plugin(), name="flaky")
    cfg = zoo.make_config("flaky", overrides=[o for o in TINY if not o.startswith("schedule")], registry=registry)
    with pytest.raises(RuntimeError, match="clustering failed"):
        zoo.train(cfg, out=tmp_path / "run", registry=registry)
    meta = json.loads((tmp_path / "run" / "checkpoints" / "step-00000012" / "meta.json").read_text())
    assert meta["position"]["finished"] is False  # the trained weights are safe
    zoo.train(cfg, resume=tmp_path / "run", registry=registry)
    meta = json.loads((tmp_path / "run" / "checkpoints" / "step-00000012" / "meta.json").read_text())
    assert meta["position"]["finished"] is True
    assert torch.all(_weights(tmp_path / "run")["R.bias"] == 7.0)
