"""The core is a tower (docs/architecture.md): every module belongs to a layer of the table there,
imports only its own layer or lower ones (at the top, inside functions or for type checking
alike), never a plugin, and no import cycle exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
TABLE = ROOT / "docs" / "architecture.md"
CORE = {"zoo": ROOT / "zoo", "zoo.model_cards": ROOT / "model_cards"}
PLUGINS = ("zoo.plugins", "zoo.exporters")


def layers() -> dict[str, int]:
    """``{dotted module or package: layer}`` from the table's rows ``| 3 | name | `registry` | ...``."""
    found = {}
    for number, modules in re.findall(r"^\| (\d+) \| [^|]+ \| ([^|]+) \|", TABLE.read_text(), flags=re.M):
        for name in re.findall(r"`([\w.]+)`", modules):
            found["zoo" if name == "zoo" else f"zoo.{name}"] = int(number)
    return found


def modules() -> dict[str, Path]:
    """Every module of the core by its installed name."""
    found = {}
    for package, folder in CORE.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join([package, *parts]).removesuffix(".__init__")
            found[name] = path
    return found


def imports(name: str, source: str, known: set[str]) -> set[str]:
    """What ``name`` imports (anywhere in the file), as dotted names; ``from X import y`` is the
    module ``X.y`` where that is a module, else ``X``."""
    is_package = name in known and any(k.startswith(name + ".") for k in known)
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            for alias in node.names:
                child = f"{module}.{alias.name}"
                found.add(child if child in known else module)
    return {m for m in found if m == "zoo" or m.startswith("zoo.")}


def layer_of(name: str, table: dict[str, int]) -> int | None:
    matches = [key for key in table if name == key or (key != "zoo" and name.startswith(key + "."))]
    return table[max(matches, key=len)] if matches else None


def violations(graph: dict[str, set[str]], table: dict[str, int]) -> list[str]:
    """Imports that go up the tower or into a plugin."""
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if target.startswith(PLUGINS):
                problems.append(f"{module} imports the plugin {target}: the core finds plugins through the registry")
            elif target in graph and layer_of(target, table) > layer_of(module, table):
                problems.append(
                    f"{module} (layer {layer_of(module, table)}) imports {target} (layer {layer_of(target, table)})"
                )
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle found by a depth-first search (each reported once, from its first node)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append([*path[path.index(target) :], target])
            elif target in graph and target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def core_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path.read_text(), known) for name, path in found.items()}


def test_every_core_module_has_a_layer():
    table = layers()
    assert len(set(table.values())) >= 10, "the layer table in docs/architecture.md was not found"
    unplaced = [name for name in modules() if layer_of(name, table) is None]
    assert not unplaced, f"place these modules in a layer of docs/architecture.md: {unplaced}"


def test_no_module_imports_a_higher_layer_or_a_plugin():
    assert violations(core_graph(), layers()) == []


def test_the_core_has_no_import_cycle():
    assert cycles(core_graph()) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("zoo.registry", "def f():\n    from zoo.api import load\n",
         "zoo.registry (layer 3) imports zoo.api (layer 10)"),
        ("zoo.config", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from zoo.trainer import loop\n",
         "zoo.config (layer 4) imports zoo.trainer.loop (layer 7)"),
        ("zoo.hub", "import zoo.exporters.onnx\n", "zoo.hub imports the plugin zoo.exporters.onnx"),
    ],
)  # fmt: skip
def test_the_check_catches_an_upward_import_wherever_it_is(module, source, expected):
    graph = core_graph()
    graph[module] = imports(module, source, set(graph))
    assert any(expected in problem for problem in violations(graph, layers()))


def test_the_check_catches_a_cycle():
    graph = core_graph()
    graph["zoo.options"] = graph["zoo.options"] | {"zoo.registry"}  # registry imports options
    assert any({"zoo.options", "zoo.registry"} == set(cycle) for cycle in cycles(graph))


def test_the_bases_the_contract_names_exist():
    import importlib

    from zoo.hookspecs import KINDS

    for kind in KINDS.values():
        if kind.base is not None:
            module, _, name = kind.base.partition(":")
            assert isinstance(getattr(importlib.import_module(module), name), type), kind.base
