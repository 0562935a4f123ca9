"""zoo: a plugin-based model zoo for conditional image synthesis with GANs.

>>> import zoo
>>> zoo.list_models("pix2pix*", kind="architecture")
['pix2pix']
>>> pipe = zoo.load("runs/my-run")          # doctest: +SKIP
>>> image = pipe("label_map.png")            # doctest: +SKIP
"""

from importlib.metadata import version

from zoo.api import load, make_config, train
from zoo.architecture import Architecture, LRSchedule, Phase
from zoo.config import RunConfig
from zoo.errors import CheckpointError, ConfigError, DataError, NonFiniteLossError, UnknownNameError, ZooError
from zoo.export import export
from zoo.hookspecs import hookimpl
from zoo.loss import LossTerm, StepState
from zoo.pipeline import Pipeline
from zoo.pretrained import PretrainedModel
from zoo.registry import create_model, get_registry, list_models

__version__ = version("zoo-gan")

__all__ = [
    "Architecture",
    "CheckpointError",
    "ConfigError",
    "DataError",
    "LRSchedule",
    "LossTerm",
    "NonFiniteLossError",
    "Phase",
    "Pipeline",
    "PretrainedModel",
    "RunConfig",
    "StepState",
    "UnknownNameError",
    "ZooError",
    "create_model",
    "export",
    "get_registry",
    "hookimpl",
    "list_models",
    "load",
    "make_config",
    "train",
]
