"""Errors zoo raises for bad input: each says what was wrong, where, and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from zoo.hookspecs import KINDS


class ZooError(Exception):
    """Base of every error zoo raises on purpose; the CLI prints these without a traceback."""


class UnknownNameError(ZooError, LookupError):
    """A name that no plugin registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]):
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=5, cutoff=0.4)
        hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(known) or 'none'}"
        listing = f" `zoo list {kind}` shows them all." if kind in KINDS else ""
        super().__init__(f"unknown {kind} {name!r}; {hint}.{listing}")
        self.kind, self.name, self.close = kind, name, close


class ConfigError(ZooError, ValueError):
    """A configuration key or value that does not fit the run's schema."""


class DataError(ZooError, ValueError):
    """A data file or folder that cannot be used; the message names it."""


class NonFiniteLossError(ZooError, FloatingPointError):
    """A loss became NaN or infinite; training stops and the last good checkpoint stays."""


class CheckpointError(ZooError, RuntimeError):
    """A checkpoint or weights file that cannot be read or does not fit the model."""
