"""One typed configuration per run.

Defaults come from the architecture recipe (and from the signatures of the registered factories
it names); a YAML/JSON file and ``--set key=value`` overrides are layered on top, in that order.
Every key is checked: an unknown key fails and lists the valid ones, a bad value fails with the
expected type. The resolved configuration is complete, so a saved run or model rebuilds without
repeating any option.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import torch
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zoo.errors import ConfigError
from zoo.options import first_error, typed, typed_options
from zoo.registry import Registry

Layer = tuple[str, Mapping[str, Any]]
"""A source of overrides: (where it came from, nested dict)."""


class Settings(BaseModel):
    """A fixed section of the configuration; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


Positive = Annotated[int, Field(ge=1)]
Count = Annotated[int, Field(ge=0)]


class TrainSettings(Settings):
    """How the trainer runs, whatever the architecture."""

    batch_size: Positive = 1
    num_workers: Count = 0
    seed: Count = 0
    precision: Literal["fp32", "bf16", "fp16", "amp"] = "fp32"
    """``amp``: bf16 autocast on CPU, fp16 with a gradient scaler on CUDA. Anything but fp32
    changes the numbers (``benchmarks/training.py`` measures how much faster it is)."""
    channels_last: bool = False
    """Keep the networks' weights (and so their activations) in NHWC, the layout oneDNN's and
    cuDNN's fastest convolutions take; other convolution algorithms round otherwise, so opt-in."""
    accumulate: Positive = 1
    device: str = "auto"
    """``auto`` (CUDA, then MPS, then CPU), or a torch device such as ``cpu`` or ``cuda:1``."""
    max_iterations: Positive | None = None
    """Stop after this many iterations in total, leaving the schedule unchanged (for trials)."""
    checkpoint_every: Positive = 1000
    checkpoint_minutes: Annotated[float, Field(gt=0)] | None = 30.0
    """Also checkpoint when this much time has passed since the last one (None: by iterations only)."""
    keep_checkpoints: Positive = 3
    final: Literal["checkpoint", "weights"] = "checkpoint"
    """What a finished run keeps besides ``model/`` (its inference weights, always written at the
    end): its last checkpoints (``checkpoint``: it can be resumed and trained further), or only
    ``model/`` (``weights``: a fraction of the size, the checkpoints removed)."""
    log_every: Positive = 10
    sample_every: Positive = 500
    """Sample grids every this many iterations, and also at step 0 and at the first checkpoint."""
    num_samples: Positive = 4
    tensorboard: bool = True
    progress: bool = True
    deterministic: bool = False

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if value != "auto":
            try:
                torch.device(value)
            except RuntimeError as exc:
                raise ValueError(f"{value!r} is not a device: use auto, cpu, cuda, cuda:N or mps ({exc})") from None
        return value


class EvalSettings(Settings):
    """Evaluation during training (off unless ``every`` is set): ``metric`` on ``count`` items held
    out of the training data, logged with the losses; ``best`` keeps ``RUN/best/``, the model with
    the best value of that name (``fid``, ``miou``...) so far."""

    every: Positive | None = None
    metric: list[str] = Field(default_factory=list)
    count: Positive = 16
    best: str | None = None
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Each metric's options: ``--set eval.options.fid.file=/path/to/weights.pth``."""

    @field_validator("metric", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


@dataclass
class Component:
    """A registered component by name, with the options passed to its factory."""

    name: str
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, **self.options}


@dataclass
class LossConfig(Component):
    """A weighted loss term; a weight of 0 switches it off."""

    weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "weight": self.weight, **self.options}


@dataclass
class RunConfig:
    """Everything a run needs, typed and complete."""

    arch: str
    nets: dict[str, Component]
    loss: dict[str, LossConfig]
    optim: dict[str, Component]
    """Each parameter group's optimizer (``zoo list optimizer``) and its options."""
    schedule: BaseModel
    model: BaseModel
    """The architecture's own options (label classes in, instance edges, ...)."""
    data: Component
    train: TrainSettings
    eval: EvalSettings = field(default_factory=lambda: EvalSettings())
    derived: list[str] = field(default_factory=list)
    """Dotted keys the recipe computed from the rest (``optim.G.lr``): written with the others,
    recomputed when the configuration is read again, so a changed option never meets a stale one."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "arch": self.arch,
            **{name: net.to_dict() for name, net in self.nets.items()},
            "loss": {label: term.to_dict() for label, term in self.loss.items()},
            "optim": {group: opt.to_dict() for group, opt in self.optim.items()},
            "schedule": self.schedule.model_dump(mode="json"),
            "model": self.model.model_dump(mode="json"),
            "data": self.data.to_dict(),
            "train": self.train.model_dump(mode="json"),
            "eval": self.eval.model_dump(mode="json"),
            "derived": list(self.derived),
        }

    def save(self, path: str | Path) -> None:
        """Write as YAML or JSON, by the file's suffix."""
        path = Path(path)
        data = _jsonable(self.to_dict())
        text = json.dumps(data, indent=2) if path.suffix == ".json" else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], registry: Registry, source: str = "config") -> RunConfig:
        """Rebuild a configuration written by :meth:`to_dict`, checking it as any other."""
        if "arch" not in data:
            raise ConfigError(f"{source}: no 'arch' key; a run configuration names its architecture")
        return resolve(data["arch"], registry, [(source, {k: v for k, v in data.items() if k != "arch"})])


def portable(value: Any) -> Any:
    """A configuration (as :meth:`RunConfig.to_dict` gives it) fit to leave this machine, in a
    pushed model or an exported artifact: every absolute path (a data set's root, a weights file)
    replaced by its last part, which names the data without locating the owner's files. Names and
    all other options stay, so it rebuilds the same model."""
    if isinstance(value, Mapping):
        return {key: portable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [portable(item) for item in value]
    if isinstance(value, str) and os.path.isabs(value) and len(Path(value).parts) > 1:
        return Path(value).name
    return value


def load_file(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON configuration file into a nested dict."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a configuration is a mapping of sections, got {type(data).__name__}")
    return data


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["G.ngf=32", "loss.l1.weight=50"]`` -> nested dict; values are parsed as YAML."""
    tree: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set G.ngf=32")
        node = tree
        *parents, leaf = key.strip().split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"--set {item!r}: {part!r} is set to a value and cannot take sub-keys")
        node[leaf] = _scalar(value)
    return tree


def _scalar(text: str) -> Any:
    """A ``--set`` value as YAML reads it, except that ``1e-4`` is a number (YAML 1.1 wants ``1.0e-4``)."""
    if not text.strip():
        return ""
    value = yaml.safe_load(text)
    if isinstance(value, str) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", value.strip()):
        return float(value)
    return value


def resolve(arch: str, registry: Registry, layers: Iterable[Layer] = ()) -> RunConfig:
    """The configuration of architecture ``arch`` with ``layers`` applied over its defaults."""
    entry = registry.get("architecture", arch)
    arch, arch_cls = entry.name, entry.obj
    defaults = copy.deepcopy(arch_cls.defaults)
    layers = [(source, _without_derived(source, layer)) for source, layer in layers]
    layers = data_defaults(arch, arch_cls, layers) + layers
    sections = [*arch_cls.networks, "loss", "optim", "schedule", "model", "data", "train", "eval"]
    for source, layer in layers:
        unknown = [k for k in layer if k not in sections]
        if unknown:
            raise ConfigError(_unknown(source, "", unknown, sections))

    nets = {
        name: _component(registry, kind, name, defaults.get(name, {}), layers)
        for name, kind in arch_cls.networks.items()
    }
    data = _component(registry, "dataset", "data", defaults.get("data", {}), layers)
    config = RunConfig(
        arch=arch,
        nets=nets,
        loss=_losses(registry, defaults.get("loss", {}), layers),
        optim=_groups(registry, defaults.get("optim", {}), layers),
        schedule=_settings(arch_cls.Schedule, "schedule", defaults.get("schedule", {}), layers),
        model=_settings(arch_cls.Options, "model", defaults.get("model", {}), layers),
        data=data,
        train=_settings(TrainSettings, "train", defaults.get("train", {}), layers),
        eval=_settings(EvalSettings, "eval", defaults.get("eval", {}), layers),
    )
    for section, options in arch_cls.fill(config, registry).items():
        component = config.data if section == "data" else config.nets[section]
        component.options.update({k: v for k, v in options.items() if component.options.get(k) is None})
    _apply_derived(config, arch_cls.derive(config, registry), layers, registry)
    arch_cls.check(config)
    return config


def data_defaults(arch: str, arch_cls: type, layers: list[Layer]) -> list[Layer]:
    """The recipe's layer for the data set that ``layers`` choose, if it has one."""
    sections = [layer.get("data") for _, layer in layers]
    names = [s["name"] for s in sections if isinstance(s, Mapping) and "name" in s]
    name = names[-1] if names else arch_cls.defaults.get("data", {}).get("name")
    if name not in arch_cls.data_defaults:
        return []
    preset = arch_cls.data_defaults[name]
    return [(f"the {arch} recipe for {name}", {**preset, "data": {"name": name, **preset.get("data", {})}})]


def _without_derived(source: str, layer: Mapping[str, Any]) -> Mapping[str, Any]:
    """``layer`` less the keys its ``derived`` list names: a saved configuration's computed
    values, which the recipe computes again from the (possibly changed) rest."""
    if "derived" not in layer:
        return layer
    keys = layer["derived"]
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ConfigError(f"{source}: derived must be a list of dotted keys such as optim.G.lr, got {keys!r}")
    layer = copy.deepcopy({k: v for k, v in layer.items() if k != "derived"})
    for key in keys:
        *parents, leaf = key.split(".")
        node = layer
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, dict):
            node.pop(leaf, None)
    return layer


def _apply_derived(
    config: RunConfig, derived: Mapping[str, Mapping[str, Any]], layers: list[Layer], registry: Registry
) -> None:
    """Set the options the architecture computes from the rest (``D.input_nc`` from ``G``'s
    channels, say): in component sections, in ``model``, or per term or group in ``loss`` and
    ``optim``. A layer that sets one of them to another value is refused (unless it also chose
    another component, whose options differ)."""
    for section, options in derived.items():
        if section in ("loss", "optim"):
            for name, sub in options.items():
                inner = [(source, layer.get(section, {})) for source, layer in layers]
                _check_derived(config, f"{section}.{name}", sub, inner, name, _term_name(config, section, name))
                config.derived += [f"{section}.{name}.{option}" for option in sub]
                if section == "optim":
                    optimizer = config.optim[name]
                    params = registry.get("optimizer", optimizer.name).options()
                    optimizer.options.update(typed_options(f"optim.{name}", params, sub, fill=False))
                else:
                    term = config.loss[name]
                    term.weight = sub.get("weight", term.weight)
                    term.options.update({k: v for k, v in sub.items() if k != "weight"})
            continue
        component = None if section == "model" else (config.data if section == "data" else config.nets[section])
        _check_derived(config, section, options, layers, section, component.name if component else None)
        config.derived += [f"{section}.{option}" for option in options]
        if component is None:
            config.model = config.model.model_copy(update=options)
        else:
            component.options.update(options)


def _term_name(config: RunConfig, section: str, label: str) -> str | None:
    return config.loss[label].name if section == "loss" else None


def _check_derived(
    config: RunConfig, where: str, options: Mapping[str, Any], layers: list[Layer], key: str, name: str | None = None
) -> None:
    for source, layer in layers:
        given = layer.get(key, {})
        for option, value in options.items():
            if option in given and _jsonable(given[option]) != _jsonable(value) and given.get("name", name) == name:
                raise ConfigError(
                    f"{source}: {where}.{option}={given[option]!r} contradicts the {value!r} that the "
                    f"{config.arch} recipe derives from the rest of the configuration; leave {where}.{option} out"
                )


def _component(
    registry: Registry,
    kind: str,
    section: str,
    default: Mapping,
    layers: list[Layer],
    extra: tuple[str, ...] = (),
) -> Component:
    """A component section. A layer that names another component drops the options given for
    the previous one (the recipe's, or a file's), so they cannot leak into the new one."""
    name = default.get("name")
    given: dict[str, tuple[Any, str]] = {k: (v, "the recipe") for k, v in default.items() if k != "name"}
    for source, layer in layers:
        section_layer = layer.get(section, {})
        _check_mapping(source, section, section_layer)
        if section_layer.get("name", name) != name:
            name, given = section_layer["name"], {}
        given.update({k: (v, source) for k, v in section_layer.items() if k != "name"})
    if name is None:
        raise ConfigError(f"{section}: no {kind} named; set {section}.name (see `zoo list {kind}`)")
    entry = registry.get(kind, name)
    where = f"{section} ({kind} {name!r})"
    for key, (_, source) in given.items():
        if key not in entry.options() and key not in extra:
            raise ConfigError(_unknown(source, where, [key], ["name", *extra, *entry.options()]))
    return Component(entry.name, typed_options(where, entry.options(), {k: v for k, (v, _) in given.items()}))


def _losses(registry: Registry, defaults: Mapping, layers: list[Layer]) -> dict[str, LossConfig]:
    """Loss terms by label; a layer may add a term (its ``name`` defaults to the label)."""
    labels = dict.fromkeys(defaults)
    for source, layer in layers:
        _check_mapping(source, "loss", layer.get("loss", {}))
        labels.update(dict.fromkeys(layer.get("loss", {})))
    terms = {}
    for label in labels:
        section = f"loss.{label}"
        default = {"name": label, **defaults.get(label, {})}
        weight = default.pop("weight", 1.0)
        options_layers: list[Layer] = []
        for source, layer in layers:
            given = layer.get("loss", {}).get(label, {})
            _check_mapping(source, section, given)
            weight = given.get("weight", weight)
            options_layers.append((source, {section: given}))
        term = _component(registry, "loss", section, default, options_layers, extra=("weight",))
        terms[label] = LossConfig(term.name, term.options, weight=typed(f"{section}.weight", float, weight))
    return terms


def _groups(registry: Registry, defaults: Mapping, layers: list[Layer]) -> dict[str, Component]:
    """The optimizer of each parameter group the architecture trains, as its recipe names it."""
    for source, layer in layers:
        _check_mapping(source, "optim", layer.get("optim", {}))
        unknown = [g for g in layer.get("optim", {}) if g not in defaults]
        if unknown:
            raise ConfigError(_unknown(source, "optim", unknown, list(defaults)))
    return {
        group: _component(
            registry,
            "optimizer",
            f"optim.{group}",
            default,
            [(src, {f"optim.{group}": layer.get("optim", {}).get(group, {})}) for src, layer in layers],
        )
        for group, default in defaults.items()
    }


def _settings(model: type[BaseModel], section: str, default: Mapping, layers: list[Layer]) -> Any:
    merged = dict(default)
    fields = list(model.model_fields)
    for source, layer in layers:
        given = layer.get(section, {})
        _check_mapping(source, section, given)
        unknown = [k for k in given if k not in fields]
        if unknown:
            raise ConfigError(_unknown(source, section, unknown, fields))
        merged.update(given)
    try:
        return model.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(f"{section}: {first_error(exc)}") from None


def _check_mapping(source: str, section: str, value: Any) -> None:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: {section} must be a mapping of keys to values, got {value!r}")


def _unknown(source: str, section: str, keys: list[str], valid: Iterable[str]) -> str:
    where = f" in {section}" if section else ""
    return f"{source}: unknown key {', '.join(map(repr, keys))}{where}; valid keys: {', '.join(valid)}"


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value
