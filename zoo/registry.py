"""The registry: every component zoo can build, found through pluggy plugins.

Plugins are loaded from the ``zoo`` entry-point group one at a time, so a plugin that fails to
import, implements an unknown hook or registers a name that is already taken is recorded as a
:class:`PluginFailure` and the others still load.
"""

from __future__ import annotations

import fnmatch
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from typing import Any

import pluggy

from zoo import hookspecs
from zoo.architecture import Architecture
from zoo.errors import ConfigError, UnknownNameError
from zoo.pretrained import PretrainedModel

KINDS = tuple(hookspecs.KIND_HOOKS)
BUILTIN_DISTRIBUTION = "zoo-gan"


@dataclass(frozen=True)
class Entry:
    """One registered component and who provided it."""

    kind: str
    name: str
    obj: Any
    plugin: str
    version: str

    @property
    def summary(self) -> str:
        """A pretrained model's own summary, else the first sentence of the component's docstring."""
        if isinstance(self.obj, PretrainedModel):
            return self.obj.summary
        doc = (inspect.getdoc(self.obj) or "").strip().replace("``", "")
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


def factory_options(factory: Callable[..., Any]) -> dict[str, inspect.Parameter]:
    """Keyword parameters of ``factory``; ``**kwargs`` and positional-only ones are not options."""
    params = inspect.signature(factory, eval_str=True).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name: p for p in params if p.kind in kinds}


def preset(factory: Callable[..., Any], summary: str, **fixed: Any) -> Callable[..., Any]:
    """``factory`` with some options fixed and hidden: ``preset(unet, "...", num_downs=8)``."""

    def build(**options: Any) -> Any:
        return factory(**fixed, **options)

    signature = inspect.signature(factory, eval_str=True)
    build.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in signature.parameters.items() if name not in fixed]
    )
    build.__doc__ = summary
    build.__name__ = build.__qualname__ = f"{factory.__name__}_preset"
    return build


class Registry:
    """Components by kind and name, collected from plugins through the hooks in :mod:`zoo.hookspecs`."""

    def __init__(self, load_entry_points: bool = True):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        if load_entry_points:
            for ep in sorted(metadata.entry_points(group=hookspecs.PROJECT), key=_builtins_first):
                dist = ep.dist.name if ep.dist else "?"
                version = f"{dist} {ep.dist.version}" if ep.dist else ""
                try:
                    plugin = ep.load()
                except Exception as exc:  # a broken plugin must not break the others
                    self.failures.append(PluginFailure(ep.name, version, f"import failed: {_describe(exc)}"))
                    continue
                self.register(plugin, name=ep.name, version=version)

    def register(self, plugin: object, name: str | None = None, version: str = "") -> None:
        """Add a plugin (a module or object with ``@zoo.hookimpl`` functions) and collect its components."""
        name = name or getattr(plugin, "__name__", type(plugin).__name__)
        marked = [attr for attr in dir(plugin) if self.pm.parse_hookimpl_opts(plugin, attr) is not None]
        unknown = [attr for attr in marked if not hasattr(hookspecs, attr)]
        if unknown:
            known = ", ".join(hookspecs.KIND_HOOKS.values())
            self.failures.append(PluginFailure(name, version, f"unknown hook {', '.join(unknown)}; hooks are: {known}"))
            return
        try:
            self.pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:  # a duplicate or a bad hook signature
            self.failures.append(PluginFailure(name, version, str(exc)))
            return
        for kind, hook in hookspecs.KIND_HOOKS.items():
            for impl in getattr(self.pm.hook, hook).get_hookimpls():
                if impl.plugin is plugin:
                    self._collect(kind, name, version, impl.function)

    def _collect(self, kind: str, plugin: str, version: str, impl: Callable[[], Any]) -> None:
        try:
            provided = impl()
            items = dict(provided.items())
        except Exception as exc:
            self.failures.append(PluginFailure(plugin, version, f"{impl.__name__}() failed: {_describe(exc)}"))
            return
        for name, obj in items.items():
            problem = _misfit(kind, obj)
            if problem:
                self.failures.append(PluginFailure(plugin, version, f"{kind} {name!r} {problem}; ignored"))
                continue
            taken = self._entries[kind].get(name)
            if taken is not None:
                self.failures.append(
                    PluginFailure(
                        plugin,
                        version,
                        f"{kind} {name!r} is already registered by plugin {taken.plugin!r}; ignored",
                    )
                )
                continue
            self._entries[kind][name] = Entry(kind, name, obj, plugin, version)

    def entries(self, kind: str | None = None, pattern: str = "*") -> list[Entry]:
        """Entries of one kind (or all) whose name matches a shell-style ``pattern``."""
        kinds = [_check_kind(kind)] if kind else list(KINDS)
        return [
            entry
            for k in kinds
            for name, entry in sorted(self._entries[k].items())
            if fnmatch.fnmatchcase(name.lower(), pattern.lower())
        ]

    def get(self, kind: str, name: str) -> Entry:
        """The entry ``name`` of ``kind``; an unknown name fails with the closest known ones."""
        try:
            return self._entries[_check_kind(kind)][name]
        except KeyError:
            raise UnknownNameError(kind, name, self._entries[kind]) from None

    def create(self, kind: str, name: str, **options: Any) -> Any:
        """Build the component ``name`` of ``kind`` with ``options``; unknown options fail by name."""
        entry = self.get(kind, name)
        valid = entry.options()
        wrong = sorted(set(options) - set(valid))
        if wrong:
            raise ConfigError(
                f"{kind} {name!r} has no option {', '.join(wrong)}; valid options: {', '.join(valid) or 'none'}"
            )
        return entry.obj(**options)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries())


def _misfit(kind: str, obj: Any) -> str | None:
    """Why ``obj`` cannot be a component of ``kind``, or None."""
    if kind == "architecture":
        ok = isinstance(obj, type) and issubclass(obj, Architecture)
        return None if ok else f"is {obj!r}, not a zoo.Architecture subclass"
    if kind == "pretrained":
        return None if isinstance(obj, PretrainedModel) else f"is {obj!r}, not a zoo.PretrainedModel"
    return None if callable(obj) else f"is {obj!r}, not a factory (a class or function)"


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
    """The process-wide registry, loaded from the installed plugins on first use."""
    return Registry()


def list_models(pattern: str = "*", kind: str | None = None) -> list[str]:
    """Names matching ``pattern`` (``"pix2pix*"``), of one kind or of every kind."""
    return sorted({entry.name for entry in get_registry().entries(kind, pattern)})


def create_model(name: str, kind: str = "generator", **options: Any) -> Any:
    """Build a registered component: ``create_model("unet_256", ngf=32)``."""
    return get_registry().create(kind, name, **options)
