"""The pluggy registry: listing, lookup, building, and plugins that fail without breaking others."""

from __future__ import annotations

import types
from importlib import metadata

import pytest
import torch
from typer.testing import CliRunner

import zoo
from zoo import hookimpl
from zoo.cli import app
from zoo.errors import ConfigError, UnknownNameError
from zoo.registry import KINDS, Registry


def test_builtins_register_through_the_entry_point_group():
    eps = {ep.name: ep.value for ep in metadata.entry_points(group="zoo")}
    assert eps["pix2pix"] == "zoo.plugins.pix2pix"
    registry = zoo.get_registry()
    entry = registry.get("architecture", "pix2pix")
    assert entry.plugin == "pix2pix" and entry.version.startswith("zoo-gan ")
    assert registry.failures == []


@pytest.mark.parametrize(
    ("kind", "pattern", "expected"),
    [
        ("architecture", "*", ["pix2pix", "pix2pixhd", "singan", "spade"]),
        ("generator", "unet*", ["unet", "unet_128", "unet_256"]),
        ("generator", "resnet_*blocks", ["resnet_6blocks", "resnet_9blocks"]),
        ("generator", "pix2pixhd_*", ["pix2pixhd_global", "pix2pixhd_local"]),
        ("discriminator", "*", ["patchgan", "pix2pixhd_multiscale", "pixelgan", "singan_critics", "spade_multiscale"]),
        ("encoder", "*", ["pix2pixhd_encoder", "spade_encoder"]),
        ("loss", "*", ["feature_matching", "gan", "gradient_penalty", "kl", "l1", "mse", "vgg"]),
        (
            "dataset",
            "*",
            [
                "ade20k",
                "aligned",
                "cityscapes",
                "coco-stuff",
                "label-folder",
                "paired-folders",
                "single-image",
                "synthetic",
            ],
        ),
        ("exporter", "*", ["onnx", "tensorrt"]),
        ("pretrained", "spade-*", ["spade-ade20k", "spade-cityscapes", "spade-coco-stuff"]),
        ("command", "*", ["edit", "paint", "singan"]),
    ],
)
def test_list_models_with_wildcards_for_every_kind(kind, pattern, expected):
    assert kind in KINDS
    assert zoo.list_models(pattern, kind=kind) == expected


def test_list_models_across_kinds_and_case():
    assert zoo.list_models("UNET_2*") == ["unet_256"]
    assert {"pix2pix", "unet_256", "synthetic"} <= set(zoo.list_models())


def test_unknown_name_fails_with_closest_names():
    with pytest.raises(UnknownNameError) as err:
        zoo.create_model("unet256")
    assert "unet_256" in err.value.close and "closest" in str(err.value)
    with pytest.raises(UnknownNameError, match="closest: pix2pix"):
        zoo.get_registry().get("architecture", "pix2pxi")
    with pytest.raises(UnknownNameError, match="closest: generator"):
        zoo.list_models(kind="generators")


def test_create_model_checks_options():
    net = zoo.create_model("unet", num_downs=5, ngf=4)
    assert net.size_multiple == 32
    with pytest.raises(ConfigError, match="no option ngff; valid options: input_nc"):
        zoo.create_model("unet_256", ngff=4)
    with pytest.raises(ConfigError, match="num_downs"):  # fixed by the preset, so not an option
        zoo.create_model("unet_256", num_downs=5)


class _Generators:
    def __init__(self, names):
        self.names = names

    @hookimpl
    def zoo_generators(self):
        return {name: (lambda: None) for name in self.names}


def test_a_taken_name_is_refused_and_reported_and_the_rest_kept():
    registry = Registry()
    registry.register(_Generators(["unet_256", "mine"]), name="intruder", version="intruder 1.0")
    assert registry.get("generator", "unet_256").plugin == "pix2pix"
    assert registry.get("generator", "mine").plugin == "intruder"
    [failure] = registry.failures
    assert failure.plugin == "intruder" and "'unet_256' is already registered by plugin 'pix2pix'" in failure.error


def test_a_hook_that_raises_or_an_unknown_hook_is_reported():
    class Raises:
        @hookimpl
        def zoo_losses(self):
            raise RuntimeError("boom")

    class Misspelt:
        @hookimpl
        def zoo_generator(self):
            return {}

    registry = Registry(load_entry_points=False)
    registry.register(Raises(), name="raises")
    registry.register(Misspelt(), name="misspelt")
    registry.register(_Generators(["fine"]), name="fine")
    errors = {f.plugin: f.error for f in registry.failures}
    assert "zoo_losses() failed: RuntimeError: boom" in errors["raises"]
    assert "unknown hook zoo_generator" in errors["misspelt"]
    assert registry.get("generator", "fine").plugin == "fine"


def test_a_plugin_that_fails_to_import_is_listed_and_the_others_still_load(monkeypatch):
    broken = metadata.EntryPoint("broken", "zoo_no_such_module_anywhere", "zoo")
    real = metadata.entry_points(group="zoo")
    monkeypatch.setattr(metadata, "entry_points", lambda group: [broken, *real])
    registry = Registry()
    [failure] = registry.failures
    assert failure.plugin == "broken" and "import failed: ModuleNotFoundError" in failure.error
    assert registry.get("architecture", "pix2pix")

    monkeypatch.setattr("zoo.cli.list.get_registry", lambda: registry)

    result = CliRunner().invoke(app, ["list", "generator"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "unet_256" in result.output and "plugins that failed" in result.output
    assert "broken" in result.output and "ModuleNotFoundError" in result.output


def test_components_of_the_wrong_type_are_refused_and_reported():
    class Wrong:
        @hookimpl
        def zoo_generators(self):
            return {"not-callable": 42, "fine": lambda: None}

        @hookimpl
        def zoo_architectures(self):
            return {"a-string": "pix2pix"}

    registry = Registry(load_entry_points=False)
    registry.register(Wrong(), name="wrong")
    errors = [f.error for f in registry.failures]
    assert "generator 'not-callable' is 42, not a factory (a class or function); ignored" in errors
    assert "architecture 'a-string' is 'pix2pix', not a zoo.Architecture subclass; ignored" in errors
    assert registry.get("generator", "fine").plugin == "wrong"


def test_a_plugin_module_registers_like_an_entry_point():
    plugin = types.ModuleType("notebook_plugin")
    plugin.zoo_discriminators = hookimpl(lambda: {"tiny-d": lambda: None})
    registry = Registry(load_entry_points=False)
    registry.register(plugin)
    assert registry.get("discriminator", "tiny-d").plugin == "notebook_plugin"


@pytest.mark.parametrize("words", [["loss"], ["losses"], ["generators", "unet_2*"], ["unet_2*"]])
def test_zoo_list_takes_a_kind_and_a_pattern(words):
    result = CliRunner().invoke(app, ["list", *words], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    shown = {line.split("│")[2].strip() for line in result.output.splitlines() if line.count("│") > 4} - {""}
    losses = {"feature_matching", "gan", "gradient_penalty", "kl", "l1", "mse", "vgg"}
    assert shown == (losses if "loss" in words[0] else {"unet_256"})


def test_a_network_class_registers_in_one_line_with_its_initialisation_options():
    from zoo.nn.init import init_weights, initialised
    from zoo.options import factory_options
    from zoo.plugins.pix2pix.unet import UnetGenerator

    factory = initialised(UnetGenerator)
    assert list(factory_options(factory)) == [*factory_options(UnetGenerator), "init_type", "init_gain"]
    torch.manual_seed(0)
    made = factory(num_downs=5, ngf=4, init_type="xavier", init_gain=0.5)
    torch.manual_seed(0)
    by_hand = init_weights(UnetGenerator(num_downs=5, ngf=4), "xavier", 0.5)
    assert made.state_dict().keys() == by_hand.state_dict().keys()
    assert all(torch.equal(made.state_dict()[k], by_hand.state_dict()[k]) for k in made.state_dict())
    entry = zoo.get_registry().get("generator", "unet")
    assert entry.summary.startswith("U-Net with num_downs") and "init_gain" in entry.options()
