"""Architectures: a family's recipe and the glue that moves a batch through its networks.

An architecture is a :class:`torch.nn.Module` subclass registered through the
``zoo_architectures`` hook. Its class attributes are the recipe (which networks of which kind,
which losses with which weights, optimizers, schedule and data set by default); its methods say
how a batch flows through the networks and which phases training goes through. The trainer
knows nothing else about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import torch
from pydantic import BaseModel, ConfigDict
from torch import nn

from zoo.config import RunConfig
from zoo.convert import Importer
from zoo.inference import InferencePipeline
from zoo.registry import Registry

if TYPE_CHECKING:
    from torch.utils.data import Dataset

DiscriminatorOutput = list[list[torch.Tensor]]
"""Per discriminator scale, its intermediate features; the last one is the prediction."""


class NoOptions(BaseModel):
    """An architecture without options of its own: the ``model`` section is empty."""

    model_config = ConfigDict(extra="forbid")


class LRSchedule:
    """A phase's learning-rate schedule: a registered ``lr_schedule`` (``zoo list lr_schedule``)
    and its options, counted in the phase's units (epochs or iterations):
    ``LRSchedule("linear", constant=100, decay=100)``."""

    def __init__(self, name: str, **options: Any):
        self.name, self.options = name, options

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LRSchedule) and (self.name, self.options) == (other.name, other.options)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        options = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"LRSchedule({self.name!r}{options})"


@dataclass(frozen=True)
class Preset:
    """A named configuration layer over the recipe, under files and ``--set``: ``zoo train --arch
    spade --preset quick``. ``layer`` may be a function, for a preset that depends on the machine
    (a loss term kept only where its weights file is set, say); ``summary`` says what it changes
    and is printed when a run starts from it."""

    summary: str
    layer: Mapping[str, Any] | Callable[[], Mapping[str, Any]]

    def config(self) -> Mapping[str, Any]:
        """The layer itself."""
        return self.layer() if callable(self.layer) else self.layer


@dataclass(frozen=True)
class Phase:
    """A stretch of training with its own trainable parameters, optimizers and schedule.

    ``steps`` are (parameter group, repeats) in the order they run each iteration;
    ``share_forward`` computes the generator once per iteration for all of them (pix2pix),
    otherwise every step draws a fresh output (SinGAN's repeated critic steps).
    ``options`` are the architecture's own per-phase settings (a scale, a resolution...).
    """

    name: str
    length: int
    unit: Literal["epoch", "iteration"] = "epoch"
    steps: tuple[tuple[str, int], ...] = (("D", 1), ("G", 1))
    schedule: LRSchedule | None = None
    """The learning-rate schedule; None keeps the base rates throughout."""
    share_forward: bool = True
    carry: tuple[str, ...] = ()
    """Groups whose optimizer state (Adam's moments) continues from the previous phase."""
    options: Mapping[str, Any] = field(default_factory=dict)


class Architecture(nn.Module):
    """Base of every architecture: builds the networks of a :class:`~zoo.config.RunConfig`."""

    networks: ClassVar[dict[str, str]] = {"G": "generator", "D": "discriminator"}
    """Network names and the registry kind each is built from."""
    defaults: ClassVar[dict[str, Any]] = {}
    """The default run configuration: network, ``loss``, ``optim``, ``schedule``, ``data`` and
    ``train`` sections, completed from the factories' signatures."""
    presets: ClassVar[dict[str, Preset]] = {}
    """Named layers over the recipe (``quick``: a run that finishes on a laptop's CPU in minutes);
    the papers' configurations stay the defaults."""
    data_defaults: ClassVar[dict[str, dict[str, Any]]] = {}
    """Sections the recipe changes for a data set, by its registered name, as the official
    code's per-data-set defaults do; applied over :attr:`defaults`, under any file or ``--set``."""
    Schedule: ClassVar[type[BaseModel]]
    """The typed ``schedule`` section from which :meth:`phases` are derived."""
    Options: ClassVar[type[BaseModel]] = NoOptions
    """The typed ``model`` section: the architecture's own options."""
    inference_nets: ClassVar[tuple[str, ...]] = ("G",)
    """The networks a saved model keeps for inference."""
    generator_group: ClassVar[str] = "G"
    """The parameter group whose steps backpropagate into the generator's outputs."""
    discrimination_order: ClassVar[tuple[str, str]] = ("fake", "real")
    """In which order a critic step scores the fake and the real image, as the official code does
    (pix2pix and pix2pixHD: fake first; SinGAN: real first): batch norm in the discriminator
    updates its running statistics in that order."""
    joint_discrimination: ClassVar[bool] = False
    """Score fake and real in one D batch (:meth:`discriminate_pair`), as SPADE's official code
    does: both then see the same spectral-norm power iteration and normalization statistics."""
    pipeline: ClassVar[type[InferencePipeline]]
    """The inference pipeline that turns user inputs into images with the inference nets."""
    paper: ClassVar[str] = ""
    task: ClassVar[str] = "image-to-image"
    """The Hugging Face task of the family's models (the model card's ``pipeline_tag``)."""
    limitations: ClassVar[str] = ""
    """What a model of this family cannot do, for its model card."""
    importer: ClassVar[Importer | None] = None
    """Reads the official implementation's checkpoint files (``zoo convert``), if there is one."""

    def __init__(self, config: RunConfig, registry: Registry):
        super().__init__()
        self.config, self.registry = config, registry
        self.nets = self.build_nets(config, registry, self.active_networks(config))
        self._wrappers: dict[str, nn.Module] = {}

    @classmethod
    def fill(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        """Component options left unset (``None``) that the data decide once, by section:
        ``{"G": {"image_size": (186, 248)}}``. Unlike derived options they are kept as given
        values, so a saved model no longer needs the data."""
        return {}

    @classmethod
    def derive(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        """Options that follow from the rest of the configuration, by component section:
        ``{"D": {"input_nc": 6}}``. Users cannot set them to anything else."""
        return {}

    @classmethod
    def check(cls, config: RunConfig) -> None:
        """Refuse a configuration whose parts do not fit together (raise :class:`ConfigError`)."""

    @classmethod
    def active_networks(cls, config: RunConfig) -> list[str]:
        """The networks this configuration uses (an optional encoder may be off)."""
        return list(cls.networks)

    @classmethod
    def checkpoint_config(cls, config: RunConfig, phase: str) -> RunConfig:
        """The configuration of the inference networks as they stand in a checkpoint of ``phase``
        (an earlier phase may train another shape of generator)."""
        return config

    @classmethod
    def inference_networks(cls, config: RunConfig) -> list[str]:
        """The active networks a saved model keeps."""
        return [name for name in cls.active_networks(config) if name in cls.inference_nets]

    @classmethod
    def build_nets(cls, config: RunConfig, registry: Registry, names: Iterable[str]) -> nn.ModuleDict:
        """The named networks, built from the registry as ``config`` says."""
        return nn.ModuleDict(
            {
                name: registry.create(cls.networks[name], config.nets[name].name, **config.nets[name].options)
                for name in names
            }
        )

    def net(self, name: str) -> nn.Module:
        """The network ``name``, through its data-parallel wrapper when one is set and it trains."""
        module = self.nets[name]
        wrapper = self._wrappers.get(name)
        if wrapper is not None and torch.is_grad_enabled() and any(p.requires_grad for p in module.parameters()):
            return wrapper
        return module

    def set_wrappers(self, wrappers: Mapping[str, nn.Module]) -> None:
        """Route calls of the named networks through wrappers (``DistributedDataParallel``)."""
        self._wrappers = dict(wrappers)

    # --- phases -----------------------------------------------------------------------------
    def phases(self, dataset: Dataset) -> list[Phase]:
        """The training phases, from ``self.config.schedule`` (and the data, where it matters)."""
        raise NotImplementedError

    def build_phase(self, phase: Phase) -> None:
        """Shape the networks for ``phase`` (add a scale, swap a generator) and carry weights
        from the old shape to the new. Replayed on resume before the checkpoint loads (which then
        overrides any weights), so it must not read the data."""

    def start_phase(self, phase: Phase, dataset: Dataset) -> None:
        """Initialise a phase entered afresh (copy weights, measure noise); skipped on resume."""

    def finish(self, dataset: Dataset) -> None:
        """Work after the last iteration of the last phase (clustering styles, say), before the
        final checkpoint; a resume repeats it if it failed."""

    def parameters_for(self, group: str, phase: Phase) -> Iterable[nn.Parameter]:
        """Parameters optimized by ``group`` in ``phase``; by default the network of that name."""
        return self.nets[group].parameters()

    # --- the forward pass -------------------------------------------------------------------
    def prepare_batch(self, batch: Mapping[str, Any]) -> Mapping[str, Any]:
        """Turn a loaded batch into what :meth:`generate` and :meth:`discriminate` read (encode
        label maps, resize for a phase); called once per batch, by the trainer and the sampler."""
        return batch

    def generate(self, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        """Run the generator on a training batch; the result holds at least ``fake``."""
        raise NotImplementedError

    def discriminate(self, batch: Mapping[str, Any], image: torch.Tensor) -> DiscriminatorOutput:
        """The discriminator's features and predictions for ``image`` in the context of ``batch``."""
        raise NotImplementedError

    def discriminate_pair(
        self, batch: Mapping[str, Any], fake: torch.Tensor, real: torch.Tensor
    ) -> tuple[DiscriminatorOutput, DiscriminatorOutput]:
        """D's outputs for ``fake`` and ``real`` together, used where ``joint_discrimination``
        is set; otherwise each is scored (and computed) on its own, when a loss asks for it."""
        return self.discriminate(batch, fake), self.discriminate(batch, real)

    def check_batch(self, batch: Mapping[str, Any]) -> None:
        """Refuse data the networks cannot take (sizes, channels), before training starts; the
        trainer passes the first items of the data set. Raise :class:`~zoo.errors.DataError`."""

    def real(self, batch: Mapping[str, Any]) -> torch.Tensor:
        """The real image the generator's output is compared with."""
        return batch["target"]

    def visuals(self, batch: Mapping[str, Any], outputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Images in [-1, 1] shown side by side in sample grids, one column each, by title."""
        return {"input": batch["input"], "output": outputs["fake"], "target": self.real(batch)}

    def phase_cost(self, phase: Phase) -> float:
        """The relative time of one iteration of ``phase`` (any unit: only ratios between phases
        count), for the run's projected duration; every phase alike by default."""
        return 1.0

    def net_state(self, names: Iterable[str] | None = None) -> dict[str, torch.Tensor]:
        """Weights of the named networks (all by default) as ``{"G.key": tensor}``."""
        return {
            f"{name}.{key}": value
            for name in (self.nets if names is None else names)
            for key, value in self.nets[name].state_dict().items()
        }


def training_model(pipeline: InferencePipeline, registry: Registry) -> Architecture:
    """The family's architecture holding ``pipeline``'s inference weights, in eval mode: its
    ``prepare_batch`` and ``generate`` turn data-set items into generator inputs and outputs
    (int8 calibration, model-card samples), so no family writes that twice."""
    model = registry.get("architecture", pipeline.config.arch).obj(pipeline.config, registry).eval()
    model.nets.load_state_dict(pipeline.nets.state_dict(), strict=False)  # only the inference nets are saved
    return model
