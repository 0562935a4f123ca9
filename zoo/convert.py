"""Importing official checkpoints: reading them safely, and turning a family's key mapping into a
saved zoo model. Each family supplies the mapping (``Architecture.importer``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from zoo.config import data_defaults, parse_overrides, resolve
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
    """What the files do not tell and was assumed, by configuration key, with how to say otherwise;
    :func:`convert` drops the notes on keys that ``--like`` or ``--set`` decide."""
    required: dict[str, str] = field(default_factory=dict)
    """Configuration keys the files do not tell and nothing can assume, with what they mean:
    ``--set`` (or ``--like``) must give them."""


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
    arch_cls = registry.get("architecture", arch).obj
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
    config = resolve(arch, registry, layers)
    conversion.notes = {key: note for key, note in conversion.notes.items() if not _given(key, deciding)}
    pipeline = assemble(config, conversion.state, ", ".join(map(str, files)), registry, device="cpu")
    license = named.license if named is not None and named.license else conversion.license
    pipeline.provenance = {
        "source": named.source if named is not None and named.source else f"official {arch} checkpoint",
        "files": [Path(f).name for f in files],
        **({"license": license} if license else {}),
        **({"pretrained": like, "summary": named.summary} if named is not None else {}),
    }
    return pipeline, conversion


def _given(key: str, layers: list[tuple[str, Mapping[str, Any]]]) -> bool:
    """Whether any layer sets the dotted ``key``."""
    for _, layer in layers:
        node: Any = layer
        for part in key.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is not None:
            return True
    return False
