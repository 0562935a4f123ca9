"""Importing official checkpoints: reading them safely, and turning a family's key mapping into a
saved zoo model. Each family supplies the mapping (``Architecture.importer``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from zoo.config import RunConfig, data_defaults, parse_overrides, resolve
from zoo.errors import CheckpointError, ZooError
from zoo.inference import InferencePipeline
from zoo.registry import Registry, get_registry
from zoo.saved import assemble


@dataclass
class Conversion:
    """What a family's importer made of official files."""

    config: dict[str, Any]
    """Configuration inferred from the files, e.g. ``{"G": {"name": "unet_256", "norm": "batch"}}``."""
    state: dict[str, torch.Tensor]
    """Weights under zoo's keys (``"G.model.model.0.weight"``)."""
    ignored: list[str] = field(default_factory=list)
    """Official keys deliberately dropped, each with the reason."""
    license: str | None = None
    """The terms of the official weights (an SPDX-style id as the Hub uses: ``cc-by-nc-sa-4.0``)."""
    notes: dict[str, str] = field(default_factory=dict)
    """What the files do not tell and was assumed, by configuration key, with how to say otherwise.
    An assumed value in ``config`` never outranks ``--like`` or ``--set`` (or the recipe's preset for
    the data set they name): :func:`convert` drops it, and its note, where those decide the key.
    Every other option of a network in ``config`` is read off the weights, and a ``--like`` or
    ``--set`` that says otherwise is refused."""
    required: dict[str, str] = field(default_factory=dict)
    """Configuration keys the files do not tell and nothing can assume, with what they mean:
    ``--set`` (or ``--like``) must give them."""
    fit: Fit | None = None
    """What the weights determine once ``--like`` and ``--set`` have decided the rest (the label
    count from the first layer's width and the edges used, say): called with the configuration that
    everything resolves to, what decided each key and the registry, it returns a layer applied over
    all the others, and raises a :class:`~zoo.errors.ZooError` naming the options where what was
    decided contradicts the weights. Notes on the keys it sets are dropped."""


Decided = Callable[[str], tuple[str, Any] | None]
"""Where a dotted key's value was decided: ``("--set", 512)`` for ``G.crop_size``, from ``--like``,
``--set`` or the recipe's preset for the data set they name; None where they leave it open."""

Fit = Callable[[RunConfig, Decided, Registry], dict[str, Any]]
Importer = Callable[[list[Path], bool], Conversion]


def read_torch_file(path: Path, allow_pickle: bool = False) -> Any:
    """A ``.pth`` file read with ``weights_only=True`` (tensors and plain containers only).

    Official checkpoints that pickle whole modules need ``allow_pickle``, which runs the code in
    the file: use it only for files from a source you trust.
    """
    if not path.is_file():
        raise CheckpointError(f"{path}: no such file")
    try:
        return torch.load(path, map_location="cpu", weights_only=not allow_pickle)
    except Exception as exc:
        if allow_pickle:
            raise CheckpointError(f"cannot read {path}: {exc}") from None
        raise CheckpointError(
            f"{path} holds more than tensors, so reading it would execute pickled code ({exc}). "
            f"If you trust its source, pass --allow-pickle."
        ) from None


def state_dict_of(obj: Any, path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a loaded state dict, without a ``module.`` prefix from DataParallel."""
    if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path} is not a state dict of tensors (got {type(obj).__name__})")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def convert(
    arch: str,
    files: Iterable[Path],
    overrides: Iterable[str] = (),
    allow_pickle: bool = False,
    registry: Registry | None = None,
    like: str | None = None,
) -> tuple[InferencePipeline, Conversion]:
    """A pipeline holding the official weights in ``files``; every official key must be used
    or deliberately ignored, and every zoo key must be filled. ``like`` names a registered
    pretrained model whose configuration fills in what the files do not tell."""
    registry = registry or get_registry()
    entry = registry.get("architecture", arch)
    arch, arch_cls = entry.name, entry.obj  # the registered spelling: --arch SPADE is spade
    importer: Importer | None = getattr(arch_cls, "importer", None)
    if importer is None:
        raise ZooError(f"architecture {arch!r} has no importer for official checkpoints")
    named = registry.get("pretrained", like).obj if like else None
    if named is not None and named.arch != arch:
        raise ZooError(f"{like} is a {named.arch} model, not {arch}")
    conversion = importer([Path(f) for f in files], allow_pickle)
    layers = [("official checkpoint", conversion.config)]
    if named is not None:
        layers.append((f"--like {like}", named.config))
    layers.append(("--set", parse_overrides(overrides)))
    deciding = layers[1:] + data_defaults(arch, arch_cls, layers)
    missing = [f"--set {key}=... ({why})" for key, why in conversion.required.items() if not _given(key, deciding)]
    if missing:
        raise ZooError(f"the official files do not record everything the model needs: give {'; '.join(missing)}")

    def decided(key: str) -> tuple[str, Any] | None:
        return _decided(key, deciding)

    _refuse_contradictions(conversion, arch_cls.networks, decided)
    layers[0] = ("official checkpoint", _without(conversion.config, _overridden(conversion, decided)))
    config = resolve(arch, registry, layers)
    settled = deciding
    fitted = conversion.fit(config, decided, registry) if conversion.fit is not None else {}
    if fitted:
        for key, value in _leaves(fitted):
            given = decided(key)
            if given is not None and not _same(given[1], value):
                raise ZooError(
                    f"{given[0]}: {key}={given[1]!r} does not fit the official weights, which then need {key}={value!r}"
                )
        layers.append(("what the official weights then determine", fitted))
        settled = [*deciding, layers[-1]]
        config = resolve(arch, registry, layers)
    conversion.notes = {key: note for key, note in conversion.notes.items() if not _given(key, settled)}
    pipeline = assemble(config, conversion.state, ", ".join(map(str, files)), registry, device="cpu")
    license = named.license if named is not None and named.license else conversion.license
    pipeline.provenance = {
        "source": named.source if named is not None and named.source else f"official {arch} checkpoint",
        "files": [Path(f).name for f in files],
        **({"license": license} if license else {}),
        **({"pretrained": like, "summary": named.summary} if named is not None else {}),
    }
    return pipeline, conversion


def _decided(key: str, layers: list[tuple[str, Mapping[str, Any]]]) -> tuple[str, Any] | None:
    """The last layer that sets the dotted ``key``, and the value it sets."""
    for source, layer in reversed(layers):
        node: Any = layer
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None:
            return source, node
    return None


def _given(key: str, layers: list[tuple[str, Mapping[str, Any]]]) -> bool:
    """Whether any layer sets the dotted ``key``."""
    return _decided(key, layers) is not None


def _leaves(tree: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``{"G": {"ngf": 64}}`` -> ``[("G.ngf", 64)]``."""
    out = []
    for key, value in tree.items():
        if isinstance(value, Mapping):
            out += _leaves(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def _without(tree: Mapping[str, Any], keys: list[str]) -> dict[str, Any]:
    """A copy of ``tree`` less the dotted ``keys`` (and what lies below them)."""
    out = {}
    for key, value in tree.items():
        if key in keys:
            continue
        inner = [k.removeprefix(f"{key}.") for k in keys if k.startswith(f"{key}.")]
        out[key] = _without(value, inner) if isinstance(value, Mapping) and inner else value
    return out


def _same(a: Any, b: Any) -> bool:
    """Equal as configuration values (a YAML list is a tuple's equal)."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b


def _overridden(conversion: Conversion, decided: Decided) -> list[str]:
    """The assumptions in ``conversion.config`` that ``--like`` or ``--set`` decide: noted keys, and
    sections whose component (a data set, say) they name otherwise. Dropped from the importer's
    layer, they cannot outrank the recipe's preset for a data set that ``--like`` names."""
    switched = [
        section
        for section, options in conversion.config.items()
        if isinstance(options, Mapping)
        and "name" in options
        and (given := decided(f"{section}.name")) is not None
        and given[1] != options["name"]
    ]
    return [key for key in conversion.notes if decided(key)] + switched


def _refuse_contradictions(conversion: Conversion, networks: Iterable[str], decided: Decided) -> None:
    """A network option read off the weights that ``--like`` or ``--set`` set otherwise fails here,
    naming both, rather than as a shape mismatch later; assumed options (those with a note) may be
    overridden."""
    for section in networks:
        for key, value in _leaves(conversion.config.get(section, {}), f"{section}."):
            if any(key == n or key.startswith(f"{n}.") for n in conversion.notes):
                continue
            given = decided(key)
            if given is not None and not _same(given[1], value):
                raise ZooError(
                    f"{given[0]}: {key}={given[1]!r} contradicts the official weights, which have {key}={value!r}; "
                    f"leave {key} out"
                )
