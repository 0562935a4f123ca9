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

zoo calls a hook only when its kind is first needed (``zoo --help`` asks for commands alone), so
a plugin module stays cheap to import by importing its components inside its hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
def zoo_optimizers() -> Mapping[str, Callable[..., Any]]:
    """Optimizer factories: ``{name: callable(params, /, **options) -> torch.optim.Optimizer}``.

    A run's ``optim.<group>`` section names one (``--set optim.D.name=rmsprop``) and sets its
    options, checked against the factory's signature like any component's.
    """


@hookspec
def zoo_lr_schedules() -> Mapping[str, Callable[..., Any]]:
    """Learning-rate schedules: ``{name: callable(**options) -> callable(unit) -> factor}``.

    A recipe's phases name one (``LRSchedule("linear", constant=100, decay=100)``); the trainer
    multiplies each group's rate by the factor of the phase's current unit (epoch or iteration).
    """


@hookspec
def zoo_exporters() -> Mapping[str, type]:
    """Exporters: ``{name: zoo.Exporter subclass}``, one a deployment format.

    The class declares everything zoo needs of its format (see :class:`zoo.Exporter`): the file
    suffixes it writes, its options (the keyword parameters of ``__init__``), how it exports and
    verifies, how it loads its artifact as the family's pipeline, what ``zoo bench`` times, the
    report files it leaves beside the artifact and the files of an earlier push it makes stale.
    ``zoo export MODEL --format NAME``, ``zoo.load(artifact)``, ``zoo bench``, model cards and
    ``zoo push`` all find it here.
    """


@hookspec
def zoo_metrics() -> Mapping[str, type]:
    """Image-quality measures: ``{name: zoo.metric.Metric subclass}``.

    A metric is fed batches of generated images (and, as its ``needs`` say, the real images and
    the label maps they came from) and returns named numbers; ``zoo eval`` and the trainer's
    ``eval.metric`` find it here. Its ``__init__`` keyword parameters are its options; weights it
    needs come from local files, never from a silent download.
    """


@hookspec
def zoo_segmenters() -> Mapping[str, Callable[..., Any]]:
    """Segmentation networks for the segmentation score: ``{name: callable(**options) ->
    zoo.metric.Segmenter}`` (images in [0, 1] in, class logits out, with the map from a data
    set's classes to its own)."""


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


@dataclass(frozen=True)
class Kind:
    """A kind of component: the hook that contributes it and what its components must be.

    ``base`` (``"module:Class"``) is the class every component must subclass (or, with
    ``instance``, be an instance of); without it a component is a factory, any callable. It is
    named, not imported, so that the registry stays below the layers that define the bases.
    """

    hook: str
    summary: str
    base: str | None = None
    instance: bool = False


KINDS: dict[str, Kind] = {
    "architecture": Kind("zoo_architectures", "training recipes", "zoo.architecture:Architecture"),
    "generator": Kind("zoo_generators", "generator networks"),
    "discriminator": Kind("zoo_discriminators", "discriminator networks"),
    "encoder": Kind("zoo_encoders", "encoder networks"),
    "loss": Kind("zoo_losses", "loss terms"),
    "dataset": Kind("zoo_datasets", "data sets"),
    "optimizer": Kind("zoo_optimizers", "optimizers"),
    "lr_schedule": Kind("zoo_lr_schedules", "learning-rate schedules"),
    "exporter": Kind("zoo_exporters", "deployment formats", "zoo.exporting.exporter:Exporter"),
    "pretrained": Kind("zoo_pretrained_models", "named pretrained models", "zoo.pretrained:PretrainedModel", True),
    "metric": Kind("zoo_metrics", "image-quality metrics", "zoo.metric:Metric"),
    "segmenter": Kind("zoo_segmenters", "segmentation networks for the segmentation score"),
    "command": Kind("zoo_commands", "command-line sub-commands"),
}
"""Every kind of component, by the name ``zoo list KIND`` and the registry use."""
