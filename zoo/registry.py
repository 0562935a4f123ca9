"""The registry: every component zoo can build, found through pluggy plugins.

Plugins are loaded from the ``zoo`` entry-point group one at a time, so a plugin that fails to
import, implements an unknown hook or registers a name that is already taken is recorded as a
:class:`PluginFailure` and the others still load. A kind's hooks are called when the kind is
first asked for, so ``zoo --help`` (commands only) imports no network, data set or exporter.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

import pluggy

from zoo import hookspecs
from zoo.errors import UnknownNameError
from zoo.options import check_names, factory_options, typed_options

KINDS = tuple(hookspecs.KINDS)
BUILTIN_DISTRIBUTION = "zoo-gan"


@dataclass(frozen=True)
class Entry:
    """One registered component and who provided it."""

    kind: str
    name: str
    obj: Any
    plugin: str
    version: str
    index: int = 0
    """Its place in registration order (built-in plugins register first)."""

    @property
    def summary(self) -> str:
        """A component's own ``summary`` (a ``typer.Typer`` command group's ``help``), else the
        first sentence of its docstring; an instance's class docstring (Typer's own) is no summary."""
        own = getattr(self.obj, "summary", None)
        if isinstance(own, str) and own:
            return own
        help = getattr(getattr(self.obj, "info", None), "help", None)  # typer.Typer(help=...)
        if isinstance(help, str) and help.strip():
            return help.strip()
        obj = self.obj
        described = inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj)
        if not described and getattr(obj, "__doc__", None) == getattr(type(obj), "__doc__", None):
            return ""
        doc = (inspect.getdoc(obj) or "").strip().replace("``", "")
        return re.split(r"(?<=\.)\s|\n\n", doc, maxsplit=1)[0].replace("\n", " ") if doc else ""

    def options(self) -> dict[str, inspect.Parameter]:
        """The keyword options a factory accepts, by name (empty for non-callables)."""
        return factory_options(self.obj) if callable(self.obj) else {}


@dataclass(frozen=True)
class PluginFailure:
    """A plugin, or one of its names, that could not be used."""

    plugin: str
    version: str
    error: str


@dataclass(frozen=True)
class _Plugin:
    obj: object
    name: str
    version: str


class Registry:
    """Components by kind and name, collected from plugins through the hooks in :mod:`zoo.hookspecs`."""

    def __init__(self, load_entry_points: bool = True):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self._failures: list[PluginFailure] = []
        self._plugins: list[_Plugin] = []
        self._entries: dict[str, dict[str, Entry]] = {}
        """Collected kinds only: a kind is collected from every plugin when first asked for."""
        if load_entry_points:
            for ep in sorted(metadata.entry_points(group=hookspecs.PROJECT), key=_builtins_first):
                dist = ep.dist.name if ep.dist else "?"
                version = f"{dist} {ep.dist.version}" if ep.dist else ""
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not break the others
                    self.fail(ep.name, version, f"import failed: {_describe(exc)}")
                    continue
                self.register(plugin, name=ep.name, version=version)

    @property
    def failures(self) -> list[PluginFailure]:
        """Every plugin failure, once all kinds are collected (a hook fails when it is called)."""
        for kind in KINDS:
            self._kind(kind)
        return list(self._failures)

    def fail(self, plugin: str, version: str, error: str) -> None:
        """Record a failure of ``plugin`` (shown under ``zoo list``)."""
        self._failures.append(PluginFailure(plugin, version, error))

    def register(self, plugin: object, name: str | None = None, version: str = "") -> None:
        """Add a plugin (a module or object with ``@zoo.hookimpl`` functions)."""
        name = name or getattr(plugin, "__name__", type(plugin).__name__)
        marked = [attr for attr in dir(plugin) if self.pm.parse_hookimpl_opts(plugin, attr) is not None]
        hooks = {kind.hook for kind in hookspecs.KINDS.values()}
        unknown = [attr for attr in marked if attr not in hooks]
        if unknown:
            self.fail(name, version, f"unknown hook {', '.join(unknown)}; hooks are: {', '.join(sorted(hooks))}")
            return
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:  # a duplicate or a bad hook signature
            self.fail(name, version, str(exc))
            return
        self._plugins.append(_Plugin(plugin, name, version))
        for kind in self._entries:  # kinds already collected take the newcomer's components now
            self._collect(kind, self._plugins[-1])

    def _kind(self, kind: str) -> dict[str, Entry]:
        if kind not in self._entries:
            self._entries[_check_kind(kind)] = {}
            for plugin in self._plugins:
                self._collect(kind, plugin)
        return self._entries[kind]

    def _collect(self, kind: str, plugin: _Plugin) -> None:
        hook = getattr(self.pm.hook, hookspecs.KINDS[kind].hook)
        for impl in hook.get_hookimpls():
            if impl.plugin is plugin.obj:
                self._add(kind, plugin, impl.function)

    def _add(self, kind: str, plugin: _Plugin, impl: Callable[[], Any]) -> None:
        try:
            items = dict(impl().items())
        except Exception as exc:
            self.fail(plugin.name, plugin.version, f"{impl.__name__}() failed: {_describe(exc)}")
            return
        entries = self._entries[kind]
        for name, obj in items.items():
            problem = _misfit(hookspecs.KINDS[kind], obj)
            taken = entries.get(name)
            if problem:
                self.fail(plugin.name, plugin.version, f"{kind} {name!r} {problem}; ignored")
            elif taken is not None:
                error = f"{kind} {name!r} is already registered by plugin {taken.plugin!r}; ignored"
                self.fail(plugin.name, plugin.version, error)
            else:
                entries[name] = Entry(kind, name, obj, plugin.name, plugin.version, len(entries))

    def entries(self, kind: str | None = None, pattern: str = "*") -> list[Entry]:
        """Entries of one kind (or all) whose name matches a shell-style ``pattern``, in any case."""
        kinds = [_check_kind(kind)] if kind else list(KINDS)
        return [
            entry
            for k in kinds
            for name, entry in sorted(self._kind(k).items())
            if fnmatch.fnmatchcase(name.lower(), pattern.lower())
        ]

    def get(self, kind: str, name: str) -> Entry:
        """The entry ``name`` of ``kind``; an unknown name fails with the closest known ones. A
        name that differs only in case finds its entry (``--arch SPADE``)."""
        entries = self._kind(_check_kind(kind))
        if name in entries:
            return entries[name]
        folded = [e for n, e in entries.items() if n.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
        raise UnknownNameError(kind, name, entries)

    def create(self, kind: str, name: str, *args: Any, **options: Any) -> Any:
        """Build the component ``name`` of ``kind`` with ``options``, checked against the factory's
        signature: unknown options fail by name, wrong values by type. ``args`` are the factory's
        positional-only inputs (an optimizer's parameters)."""
        entry = self.get(kind, name)
        valid = entry.options()
        where = f"{kind} {entry.name!r}"
        check_names(where, valid, options)
        return entry.obj(*args, **typed_options(where, valid, options, fill=False))

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())


def _misfit(kind: hookspecs.Kind, obj: Any) -> str | None:
    """Why ``obj`` cannot be a component of ``kind``, or None."""
    if kind.base is None:
        return None if callable(obj) else f"is {obj!r}, not a factory (a class or function)"
    module, _, name = kind.base.partition(":")
    base = getattr(sys.modules.get(module), name, None)  # not loaded: nothing can derive from it
    if kind.instance:
        return None if base is not None and isinstance(obj, base) else f"is {obj!r}, not a zoo.{name}"
    ok = isinstance(obj, type) and base is not None and issubclass(obj, base)
    return None if ok else f"is {obj!r}, not a zoo.{name} subclass"


def _builtins_first(ep: metadata.EntryPoint) -> tuple[bool, str]:
    """Built-ins load first so that a third-party plugin cannot take a built-in name."""
    return (not (ep.dist and ep.dist.name == BUILTIN_DISTRIBUTION), ep.name)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise UnknownNameError("kind", kind, KINDS)
    return kind


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


@cache
def get_registry() -> Registry:
    """The process-wide registry, loaded from the installed plugins on first use. Code that is
    handed a registry uses that one; this is for callers that were given none."""
    return Registry()


def list_models(pattern: str = "*", kind: str | None = None) -> list[str]:
    """Names matching ``pattern`` (``"pix2pix*"``), of one kind or of every kind."""
    return sorted({entry.name for entry in get_registry().entries(kind, pattern)})


def create_model(name: str, kind: str = "generator", **options: Any) -> Any:
    """Build a registered component: ``create_model("unet_256", ngf=32)``."""
    return get_registry().create(kind, name, **options)
