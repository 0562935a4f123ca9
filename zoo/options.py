"""A factory's options: its keyword parameters, typed by their hints.

Every component (network, loss, data set, optimizer, schedule, exporter...) is a factory whose
keyword parameters are its options. Their defaults, type hints and descriptions
(``Annotated[int, Field(ge=1, description="...")]``) are the one declaration from which the run
configuration, ``--set`` checking, ``zoo export``'s options and their ``--help`` text come.
pydantic is imported on first use: listing commands needs none of this.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, get_args, get_origin

from zoo.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

Factory = Callable[..., Any]


def factory_options(factory: Factory) -> dict[str, inspect.Parameter]:
    """Keyword parameters of ``factory``; ``**kwargs`` and positional-only ones are not options."""
    params = inspect.signature(factory, eval_str=True).parameters.values()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name: p for p in params if p.kind in kinds}


def typed(where: str, annotation: Any, value: Any) -> Any:
    """``value`` checked and converted by ``annotation`` (``where=value: what is wrong`` if not)."""
    from pydantic import ValidationError

    if annotation is inspect.Parameter.empty:
        return value
    try:
        result = _adapter(annotation).validate_python(value)
    except ValidationError as exc:
        raise ConfigError(f"{where}={value!r}: {first_error(exc)}") from None
    if isinstance(value, bool) and not isinstance(result, bool):  # true/false must not become 1/0
        raise ConfigError(f"{where}={value!r}: expected {type_name(annotation)}, not a boolean")
    return result


def bounded(param: inspect.Parameter) -> Any:
    """``param``'s type hint, and for an ``int`` without a bound of its own the one its default
    implies: a count or size (default 1 or more) must be at least 1, an index or offset (default
    0) at least 0, so ``G.ngf=-8`` fails as it is set instead of deep in the network. A factory
    declares another range itself: ``Annotated[int, Field(ge=0)]``. A negative default (or none)
    implies nothing."""
    annotation, default = param.annotation, param.default
    base, marks = (
        (get_args(annotation)[0], get_args(annotation)[1:]) if get_origin(annotation) is Annotated else (annotation, ())
    )
    if base is not int or type(default) is not int or default < 0 or any(_has_bound(mark) for mark in marks):
        return annotation
    try:
        return _at_least(annotation, min(default, 1))
    except TypeError:  # an unhashable hint
        return _at_least.__wrapped__(annotation, min(default, 1))


_BOUNDS = ("ge", "gt", "le", "lt")


def _has_bound(mark: Any) -> bool:
    """Whether an ``Annotated`` entry (a pydantic ``Field``, an annotated-types ``Ge``...) sets a range."""
    return any(getattr(m, b, None) is not None for m in (mark, *getattr(mark, "metadata", ())) for b in _BOUNDS)


@cache
def _at_least(annotation: Any, low: int) -> Any:
    import annotated_types

    return Annotated[annotation, annotated_types.Ge(low)]


def typed_options(
    where: str, params: Mapping[str, inspect.Parameter], given: Mapping[str, Any], fill: bool = True
) -> dict[str, Any]:
    """``given`` checked against the parameters' types; with ``fill`` the defaults of the others
    are added (and a parameter without a default must be given)."""
    options = {}
    for name, param in params.items():
        if name in given:
            options[name] = typed(f"{where}.{name}", bounded(param), given[name])
        elif not fill:
            continue
        elif param.default is not inspect.Parameter.empty:
            options[name] = param.default
        else:
            raise ConfigError(f"{where}: option {name!r} is required and has no default; set it")
    return options


def check_names(where: str, params: Mapping[str, inspect.Parameter], given: Mapping[str, Any]) -> None:
    """Refuse options the factory does not take, listing those it does."""
    wrong = sorted(set(given) - set(params))
    if wrong:
        raise ConfigError(f"{where} has no option {', '.join(wrong)}; valid options: {', '.join(params) or 'none'}")


def description(param: inspect.Parameter) -> str:
    """The ``description`` of a parameter annotated ``Annotated[type, Field(description=...)]``."""
    if get_origin(param.annotation) is not Annotated:
        return ""
    return next((m.description for m in get_args(param.annotation)[1:] if getattr(m, "description", None)), "")


def type_name(annotation: Any) -> str:
    """A short readable name of a type hint: ``int``, ``fp32|fp16|int8``, ``Path | None``."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if str(get_origin(annotation)) == "typing.Literal":
        return "|".join(str(a) for a in get_args(annotation))
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("pathlib.", "")


def preset(factory: Factory, summary: str, **fixed: Any) -> Factory:
    """``factory`` with some options fixed and hidden: ``preset(unet, "...", num_downs=8)``."""

    def build(*args: Any, **options: Any) -> Any:
        return factory(*args, **fixed, **options)

    signature = inspect.signature(factory, eval_str=True)
    build.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p for name, p in signature.parameters.items() if name not in fixed]
    )
    build.__doc__ = summary
    build.__name__ = build.__qualname__ = f"{getattr(factory, '__name__', 'factory')}_preset"
    return build


def with_options(factory: Factory, extra: list[inspect.Parameter], build: Callable[..., Any], summary: str) -> Factory:
    """A factory taking ``factory``'s options and the ``extra`` keyword-only ones: ``build(obj,
    **extra_values)`` (every extra option, given or default) finishes what ``factory`` made
    (initialises a network's weights, say)."""

    def make(*args: Any, **options: Any) -> Any:
        own = {p.name: options.pop(p.name, p.default) for p in extra}
        return build(factory(*args, **options), **own)

    signature = inspect.signature(factory, eval_str=True)
    kept = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    make.__signature__ = signature.replace(parameters=[*kept, *extra])  # type: ignore[attr-defined]
    make.__doc__ = summary
    make.__name__ = make.__qualname__ = getattr(factory, "__name__", "factory")
    return make


@cache
def _cached_adapter(annotation: Any) -> TypeAdapter:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation)


def _adapter(annotation: Any) -> TypeAdapter:
    try:
        return _cached_adapter(annotation)
    except TypeError:  # an unhashable hint
        from pydantic import TypeAdapter

        return TypeAdapter(annotation)


def first_error(exc: ValidationError) -> str:
    """pydantic's first complaint, as ``location: message``."""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {err['msg']}" if loc else err["msg"]
