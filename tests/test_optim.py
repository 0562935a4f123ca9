"""Optimizers and learning-rate schedules are a plugin kind: the built-ins, naming another one in
a run, a third-party optimizer, and the schedules' factors against their definitions."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import TINY, tiny_config

import zoo
from zoo.errors import ConfigError
from zoo.registry import Registry


def test_the_builtin_optimizers_and_schedules_are_listed():
    assert zoo.list_models(kind="optimizer") == ["adam", "adamw", "rmsprop", "sgd"]
    assert zoo.list_models(kind="lr_schedule") == ["constant", "linear", "multistep", "step"]
    assert zoo.get_registry().get("optimizer", "adam").plugin == "optim"


def test_a_run_names_another_optimizer_and_the_trainer_builds_it(tmp_path):
    config = tiny_config("optim.D.name=rmsprop", "optim.D.lr=5e-5", "train.max_iterations=1")
    assert config.optim["D"].name == "rmsprop" and "betas" not in config.optim["D"].options  # Adam's options went
    assert config.optim["D"].to_dict() == {"name": "rmsprop", "lr": 5e-5, "alpha": 0.99, "momentum": 0.0,
                                           "weight_decay": 0.0}  # fmt: skip
    run = zoo.train(config, out=tmp_path / "run")
    [checkpoint] = (run / "checkpoints").iterdir()
    state = torch.load(checkpoint / "training_state.pt", weights_only=True)
    d, g = state["optimizers"]["D"]["param_groups"][0], state["optimizers"]["G"]["param_groups"][0]
    assert "alpha" in d and "betas" not in d and d["lr"] == pytest.approx(5e-5)  # RMSprop's state
    assert g["betas"] == (0.5, 0.999)  # G kept the recipe's Adam


def test_optimizer_options_are_checked_by_the_factory_signature():
    with pytest.raises(ConfigError, match=r"unknown key 'betas' in optim\.D \(optimizer 'sgd'\)"):
        tiny_config("optim.D.name=sgd", "optim.D.betas=[0.5, 0.9]")
    with pytest.raises(ConfigError, match="greater than 0"):
        tiny_config("optim.D.name=sgd", "optim.D.lr=0")


def test_spade_derives_only_the_rates_for_an_optimizer_without_betas():
    config = zoo.make_config("spade", overrides=["optim.D.name=rmsprop"])
    assert config.optim["D"].options["lr"] == pytest.approx(4e-4) and "betas" not in config.optim["D"].options
    assert config.optim["G"].options["betas"] == (0.0, 0.9)


def test_a_third_party_optimizer_trains_a_run(tmp_path):
    built = []

    def recording_sgd(params, /, lr: float = 1e-4):
        """A test optimizer: plain SGD that records being built."""
        built.append(lr)
        return torch.optim.SGD(params, lr=lr)

    class Plugin:
        @zoo.hookimpl
        def zoo_optimizers(self):
            return {"test-sgd": recording_sgd}

    registry = Registry()
    registry.register(Plugin(), name="test-optim")
    overrides = [*TINY, "optim.G.name=test-sgd", "optim.G.lr=0.001", "train.max_iterations=1"]
    config = zoo.make_config("pix2pix", overrides=overrides, registry=registry)
    zoo.train(config, out=tmp_path / "run", registry=registry)
    assert built == [0.001]


@pytest.mark.parametrize(
    ("name", "options", "factors"),
    [
        ("constant", {}, [1.0, 1.0, 1.0]),
        # pix2pix (offset 1): 2 units at full rate, then 1 - (unit + 1 - 2) / (2 + 1)
        ("linear", {"constant": 2, "decay": 2}, [1.0, 1.0, 2 / 3, 1 / 3]),
        # pix2pixHD / SPADE (offset 0): 1 - (unit - 2) / 2
        ("linear", {"constant": 2, "decay": 2, "offset": 0}, [1.0, 1.0, 1.0, 0.5]),
        ("step", {"step_size": 2, "gamma": 0.5}, [1.0, 1.0, 0.5, 0.5, 0.25]),
        ("multistep", {"milestones": (1, 3), "gamma": 0.1}, [1.0, 0.1, 0.1, 0.1**2]),
    ],
)
def test_schedule_factors_follow_their_definitions(name, options, factors):
    factor = zoo.get_registry().create("lr_schedule", name, **options)
    assert [factor(unit) for unit in range(len(factors))] == pytest.approx(factors)


def test_a_configuration_saved_before_optimizers_were_named_still_loads(tmp_path):
    registry = zoo.get_registry()
    config = tiny_config()
    old = config.to_dict()
    old["optim"] = {group: {"lr": 2e-4, "betas": [0.5, 0.999], "weight_decay": 0.0} for group in ("G", "D")}
    again = zoo.RunConfig.from_dict(old, registry)
    assert again.optim["G"].name == "adam" and again.to_dict() == config.to_dict()

    arch = registry.get("architecture", "pix2pix").obj
    pipeline = arch.pipeline(config, arch.build_nets(config, registry, ["G"]), device="cpu")
    pipeline.save_pretrained(tmp_path / "model")
    (tmp_path / "model" / "config.json").write_text(json.dumps(old))  # as an earlier zoo wrote it
    image = torch.rand(1, 3, 32, 32)
    loaded = zoo.load(tmp_path / "model", device="cpu")
    assert torch.equal(loaded(image, output_type="pt"), pipeline(image, output_type="pt"))
