"""Pairing files across folders by a shared name, with errors that name the odd file out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from zoo.errors import DataError


def by_key(paths: Iterable[Path], role: str, key: Callable[[Path], str] = lambda p: p.stem) -> dict[str, Path]:
    """The files by ``key`` (the stem by default); two files with one key are ambiguous."""
    found: dict[str, Path] = {}
    for path in paths:
        name = key(path)
        if name in found:
            raise DataError(f"{found[name]} and {path} are both the {role} {name!r}; keep one of them")
        found[name] = path
    return found


def match(groups: dict[str, dict[str, Path]]) -> list[dict[str, Path]]:
    """One ``{role: path}`` per key found in every group, in key order; a file whose partner is
    missing from another group fails by name."""
    keys = sorted(set().union(*groups.values()))
    for name in keys:
        for role, files in groups.items():
            if name not in files:
                have = next(files[name] for files in groups.values() if name in files)
                raise DataError(f"{have}: no {role} named {name!r} to go with it; add one or remove this file")
    return [{role: files[name] for role, files in groups.items()} for name in keys]
