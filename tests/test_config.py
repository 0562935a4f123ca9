"""The typed run configuration: recipe defaults, files and --set overrides, every key checked."""

from __future__ import annotations

import json

import pytest
import yaml

import zoo
from zoo.config import RunConfig, parse_overrides
from zoo.errors import ConfigError, UnknownNameError


def test_defaults_come_from_the_recipe_and_the_factories():
    cfg = zoo.make_config("pix2pix")
    assert cfg.nets["G"].name == "unet_256"
    assert cfg.nets["G"].options == {
        "input_nc": 3,
        "output_nc": 3,
        "ngf": 64,
        "norm": "batch",
        "use_dropout": True,
        "init_type": "normal",
        "init_gain": 0.02,
    }
    assert cfg.nets["D"].options["n_layers"] == 3
    assert (cfg.loss["gan"].weight, cfg.loss["gan"].options["mode"]) == (1.0, "vanilla")
    assert cfg.loss["l1"].weight == 100.0
    assert cfg.optim["G"].options["lr"] == 2e-4 and cfg.optim["D"].options["betas"] == (0.5, 0.999)
    assert (cfg.schedule.epochs, cfg.schedule.decay_epochs) == (100, 100)
    assert cfg.data.name == "synthetic" and cfg.train.batch_size == 1


def test_overrides_are_typed():
    cfg = zoo.make_config(
        "pix2pix",
        overrides=[
            "G.ngf=32",
            "loss.l1.weight=50",
            "optim.D.lr=4e-4",
            "optim.G.betas=[0.0, 0.9]",
            "G.use_dropout=false",
        ],
    )
    assert cfg.nets["G"].options["ngf"] == 32 and cfg.loss["l1"].weight == 50.0
    assert cfg.optim["D"].options["lr"] == pytest.approx(4e-4) and cfg.optim["G"].options["betas"] == (0.0, 0.9)
    assert cfg.nets["G"].options["use_dropout"] is False


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("G.ngff=32", "unknown key 'ngff' in G (generator 'unet_256'); valid keys: name, input_nc, output_nc, ngf"),
        ("loss.l1.wieght=5", "unknown key 'wieght' in loss.l1 (loss 'l1'); valid keys: name, weight"),
        ("trian.seed=1", "unknown key 'trian'; valid keys: G, D, loss, optim, schedule, model, data, train"),
        ("train.sede=1", "unknown key 'sede' in train; valid keys: batch_size, num_workers, seed"),
        ("optim.E.lr=1", "unknown key 'E' in optim; valid keys: G, D"),
        ("schedule.epoch=1", "unknown key 'epoch' in schedule; valid keys: epochs, decay_epochs"),
        ("G.norm=batc", "Input should be 'batch', 'instance' or 'none'"),
        ("G.ngf=many", "valid integer"),
        ("train.precision=fp8", "'fp32', 'bf16', 'fp16' or 'amp'"),
        ("G", "expected KEY=VALUE"),
        ("train.batch_size=0", "greater than or equal to 1"),
        ("train.accumulate=-1", "greater than or equal to 1"),
        ("optim.G.lr=-1", "greater than 0"),
        ("optim.D.betas=[0.5, 1.5]", "less than 1"),
        ("G.ngf=true", "expected int, not a boolean"),
        ("schedule.epochs=-5", "greater than or equal to 0"),
        ("schedule.decay_epochs=0", None),
        ("train.device=gpu7", "'gpu7' is not a device"),
    ],
)
def test_bad_keys_and_values_fail_clearly(override, message):
    if message is None:  # a valid value at the edge of the range
        zoo.make_config("pix2pix", overrides=[override])
        return
    with pytest.raises(ConfigError) as err:
        zoo.make_config("pix2pix", overrides=[override])
    assert message in str(err.value)


def test_a_schedule_must_train_at_all():
    with pytest.raises(ConfigError, match="epochs \\+ decay_epochs must be at least 1"):
        zoo.make_config("pix2pix", overrides=["schedule.epochs=0", "schedule.decay_epochs=0"])


def test_a_later_layer_naming_another_component_drops_earlier_options(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("G: {name: unet, num_downs: 6, ngf: 16}\n")
    cfg = zoo.make_config("pix2pix", config=path, overrides=["G.name=unet_256"])
    assert cfg.nets["G"].name == "unet_256" and cfg.nets["G"].options["ngf"] == 64
    cfg = zoo.make_config("pix2pix", config=path, overrides=["G.ngf=8"])
    assert cfg.nets["G"].options["num_downs"] == 6 and cfg.nets["G"].options["ngf"] == 8


def test_unknown_component_names_fail_with_closest():
    with pytest.raises(UnknownNameError, match="closest: unet_256"):
        zoo.make_config("pix2pix", overrides=["G.name=unet_265"])
    with pytest.raises(UnknownNameError, match="closest: synthetic"):
        zoo.make_config("pix2pix", data="synthetc")


def test_choosing_another_component_drops_the_recipes_options_for_the_old_one():
    cfg = zoo.make_config("pix2pix", overrides=["D.name=pixelgan"])
    assert "n_layers" not in cfg.nets["D"].options
    cfg = zoo.make_config("pix2pix", overrides=["G.name=resnet_9blocks", "G.ngf=16"])
    assert cfg.nets["G"].options["ngf"] == 16 and cfg.nets["G"].options["padding"] == "reflect"
    with pytest.raises(ConfigError, match="'root' is required"):
        zoo.make_config("pix2pix", data="aligned")


def test_a_loss_term_can_be_added_or_switched_off():
    cfg = zoo.make_config("pix2pix", overrides=["loss.extra.name=l1", "loss.extra.weight=3", "loss.gan.weight=0"])
    assert cfg.loss["extra"].name == "l1" and cfg.loss["extra"].weight == 3.0
    assert cfg.loss["gan"].weight == 0.0


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_files_layer_under_set_and_the_config_round_trips(tmp_path, suffix):
    path = tmp_path / f"run{suffix}"
    data = {"arch": "pix2pix", "G": {"ngf": 16}, "train": {"batch_size": 8}}
    path.write_text(json.dumps(data) if suffix == ".json" else yaml.safe_dump(data))
    cfg = zoo.make_config(config=path, overrides=["train.batch_size=2"])
    assert cfg.nets["G"].options["ngf"] == 16 and cfg.train.batch_size == 2
    saved = tmp_path / f"saved{suffix}"
    cfg.save(saved)
    again = zoo.make_config(config=saved)
    assert again.to_dict() == cfg.to_dict()
    assert RunConfig.from_dict(cfg.to_dict(), zoo.get_registry()).to_dict() == cfg.to_dict()


def test_a_bad_file_is_named(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("G: {ngf: 8, bogus: 1}\n")
    with pytest.raises(ConfigError, match=f"{path}: unknown key 'bogus' in G"):
        zoo.make_config("pix2pix", config=path)
    path.write_text("- just\n- a list\n")
    with pytest.raises(ConfigError, match="a configuration is a mapping"):
        zoo.make_config("pix2pix", config=path)


def test_parse_overrides_builds_nested_values():
    assert parse_overrides(["x=1e-4", "y=2E3"]) == {"x": 1e-4, "y": 2000.0}
    assert parse_overrides(["a.b=1", "a.c=[1, 2]", "d=text", "e="]) == {
        "a": {"b": 1, "c": [1, 2]},
        "d": "text",
        "e": "",
    }


def test_the_discriminator_channels_follow_the_generator():
    cfg = zoo.make_config("pix2pix", overrides=["G.input_nc=1", "G.output_nc=3"])
    assert cfg.nets["D"].options["input_nc"] == 4
    with pytest.raises(ConfigError, match=r"D\.input_nc=6 contradicts the 4 that the pix2pix recipe derives"):
        zoo.make_config("pix2pix", overrides=["G.input_nc=1", "D.input_nc=6"])
    assert zoo.make_config("pix2pix", overrides=["D.input_nc=6"]).nets["D"].options["input_nc"] == 6
