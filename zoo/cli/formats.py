"""Command-line parameters made from the exporter registry: a shortcut flag per exporter that
declares one (``--pt2`` for ``--format pt2``), and every exporter option, documented by its type
hint and ``Field(description=...)``. Values are read as ``--set`` reads them (YAML scalars) and
checked by the exporter's signature before any model is loaded."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Annotated, Any

import typer

from zoo.config import parse_overrides
from zoo.options import check_names, description, type_name, typed
from zoo.registry import Entry, Registry

SHORTCUT = "shortcut_"
"""Prefix of the parameters standing for a shortcut flag (numbered: format names need not be identifiers)."""


def shortcuts(registry: Registry, taken: set[str]) -> dict[str, Entry]:
    """The exporters with a shortcut flag, by the flag's parameter name. A flag that another
    exporter or the command already has is refused and reported under ``zoo list``."""
    found: dict[str, Entry] = {}
    flags = set(taken)
    for entry in sorted(registry.entries("exporter"), key=lambda e: e.index):  # built-ins first
        flag = entry.obj.shortcut
        if not flag:
            continue
        if flag in flags:
            registry.fail(entry.plugin, entry.version, f"exporter {entry.name!r}: the flag --{flag} is taken; ignored")
            continue
        flags.add(flag)
        found[f"{SHORTCUT}{len(found)}"] = entry
    return found


def shortcut_parameters(flags: Mapping[str, Entry], verb: str) -> list[inspect.Parameter]:
    """A ``--SHORTCUT`` flag for each of ``flags`` (``verb``: what it stands for, ``--format``)."""
    return [
        _parameter(name, Annotated[bool, typer.Option(f"--{e.obj.shortcut}", help=f"Same as {verb} {e.name}.")], False)
        for name, e in flags.items()
    ]


def chosen_formats(values: Mapping[str, Any], flags: Mapping[str, Entry], given: list[str]) -> list[str]:
    """The formats ``given`` by name and by shortcut flags in ``values``, each once."""
    return list(dict.fromkeys([*given, *(entry.name for name, entry in flags.items() if values.get(name))]))


def option_parameters(registry: Registry, reserved: set[str]) -> list[inspect.Parameter]:
    """One ``--OPTION`` for every option of any exporter (unset: the exporter's default)."""
    owners: dict[str, list[tuple[str, inspect.Parameter]]] = {}
    for entry in registry.entries("exporter"):
        for name, param in entry.options().items():
            owners.setdefault(name, []).append((entry.name, param))
    params = []
    for name, found in sorted(owners.items()):
        if name in reserved or name.startswith(SHORTCUT):
            continue
        kinds: dict[str, list[str]] = {}  # formats by (type, default), so that shared options read once
        for fmt, p in found:
            kinds.setdefault(f"{type_name(p.annotation)}, default {p.default}", []).append(fmt)
        which = "; ".join(f"{', '.join(formats)}: {kind}" for kind, formats in kinds.items())
        flag = f"--{name.replace('_', '-')}"
        help = f"{description(found[0][1])} ({which})."
        params.append(_parameter(name, Annotated[str | None, typer.Option(flag, help=help)], None))
    return params


def exporter_options(format: str, values: Mapping[str, Any], registry: Registry) -> dict[str, Any]:
    """The options given in ``values`` for the exporter ``format``, read as YAML scalars and
    checked against its signature; an option of another exporter fails, naming the valid ones."""
    entry = registry.get("exporter", format)
    every = {name for e in registry.entries("exporter") for name in e.options()}
    given = {name: value for name, value in values.items() if value is not None and name in every}
    options = parse_overrides(f"{name}={value}" for name, value in given.items())
    valid = entry.options()
    check_names(f"the {entry.name} exporter", valid, options)
    for name, value in options.items():
        typed(f"--{name.replace('_', '-')}", valid[name].annotation, value)
    return options


def _parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)
