"""zoo: a plugin-based model zoo for conditional image synthesis with GANs.

>>> import zoo
>>> zoo.list_models("pix2pix*", kind="architecture")
['pix2pix']
>>> pipe = zoo.load("runs/my-run")          # doctest: +SKIP
>>> image = pipe("label_map.png")            # doctest: +SKIP

The names below are imported on first use, so ``import zoo`` (and ``zoo --help``) costs no
torch import; ``zoo.load`` brings in what loading needs when it is called.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "zoo.api": ["export", "load", "make_config", "presets", "train"],
    "zoo.architecture": ["Architecture", "LRSchedule", "Phase"],
    "zoo.config": ["RunConfig"],
    "zoo.errors": ["CheckpointError", "ConfigError", "DataError", "NonFiniteLossError", "UnknownNameError", "ZooError"],
    "zoo.exporting.exporter": ["ExportError", "ExportReport", "Exporter", "VerificationError"],
    "zoo.hookspecs": ["hookimpl"],
    "zoo.loss": ["LossTerm", "StepState"],
    "zoo.pipeline": ["Pipeline"],
    "zoo.pretrained": ["PretrainedModel"],
    "zoo.registry": ["create_model", "get_registry", "list_models"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        value = version("zoo-gan")
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
    else:
        raise AttributeError(f"module 'zoo' has no attribute {name!r}")
    globals()[name] = value  # once imported, an ordinary attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__, "__version__"])
