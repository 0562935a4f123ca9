"""The contract between zoo and its plugins.

A plugin is any module (or object) registered under the entry-point group ``zoo``::

    [project.entry-points.zoo]
    my_plugin = "my_package.zoo_plugin"

It implements any of the hooks below with ``@zoo.hookimpl``. Each hook returns a mapping from
names to components; zoo calls every plugin's implementation once, records which plugin
provided which name, and refuses a name that another plugin already registered. The built-in
families (pix2pix, the losses, the data sets, ...) are ordinary plugins of this kind.

Names are unique within a kind; the same name may appear in two kinds (the architecture
``pix2pix`` and the pretrained model ``pix2pix-facades``, say).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pluggy

PROJECT = "zoo"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def zoo_architectures() -> Mapping[str, type]:
    """Training recipes: ``{name: Architecture subclass}``.

    An architecture (see :class:`zoo.Architecture`) names its networks, losses with weights,
    optimizers, schedules and training phases as defaults, and says how a batch flows through
    its networks. ``zoo train --arch NAME`` builds a run from it.
    """


@hookspec
def zoo_generators() -> Mapping[str, Callable[..., Any]]:
    """Generator factories: ``{name: callable(**options) -> torch.nn.Module}``.

    The factory's keyword arguments are the options users may set (``--set G.ngf=32``); their
    defaults and type hints become the defaults and checks of the run configuration.
    """


@hookspec
def zoo_discriminators() -> Mapping[str, Callable[..., Any]]:
    """Discriminator factories, as for :func:`zoo_generators`."""


@hookspec
def zoo_encoders() -> Mapping[str, Callable[..., Any]]:
    """Encoder factories (pix2pixHD's instance feature encoder, SPADE's style encoder), as for
    :func:`zoo_generators`."""


@hookspec
def zoo_losses() -> Mapping[str, Callable[..., Any]]:
    """Loss-term factories: ``{name: callable(**options) -> zoo.LossTerm}``.

    A loss term reads a :class:`zoo.StepState` and returns a scalar; the run's configuration
    gives it a weight.
    """


@hookspec
def zoo_datasets() -> Mapping[str, Callable[..., Any]]:
    """Data-set factories: ``{name: callable(**options) -> torch.utils.data.Dataset}``.

    Items are dicts of tensors (``input``, ``target`` and whatever the architecture needs).
    Factories validate their files when called, so bad input fails before training starts.
    """


@hookspec
def zoo_exporters() -> Mapping[str, Callable[..., Any]]:
    """Exporters: ``{name: callable(**options) -> exporter}``; an exporter turns a trained
    pipeline's generator into a deployable artifact (an ONNX model, a TensorRT engine) and
    verifies it against PyTorch. ``zoo export MODEL --onnx`` and ``zoo.export`` call them."""


@hookspec
def zoo_pretrained_models() -> Mapping[str, Any]:
    """Named pretrained models: ``{name: zoo.PretrainedModel}``, resolved by ``zoo.load(name)``
    to a Hugging Face Hub repository and revision."""


@hookspec
def zoo_commands() -> Mapping[str, Callable[..., Any]]:
    """Sub-commands of the ``zoo`` command line: ``{name: function}``, registered with Typer, so
    the function's parameters (``typer.Option``/``typer.Argument`` annotations) are its options;
    a ``typer.Typer`` adds a group of them (``zoo singan sample``).
    A family adds what only it can do (``zoo edit`` for pix2pixHD's semantic manipulation, say)."""


KIND_HOOKS: dict[str, str] = {
    "architecture": "zoo_architectures",
    "generator": "zoo_generators",
    "discriminator": "zoo_discriminators",
    "encoder": "zoo_encoders",
    "loss": "zoo_losses",
    "dataset": "zoo_datasets",
    "exporter": "zoo_exporters",
    "pretrained": "zoo_pretrained_models",
    "command": "zoo_commands",
}
"""Every kind of component and the hook that contributes it."""
