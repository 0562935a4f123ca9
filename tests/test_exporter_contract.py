"""The exporter contract as zoo reads it: shortcut flags and options on the command line (for
any format name), the default format, and which files make up a published artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pytest
from pydantic import Field
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.exporting.export import artifact_files, default_format
from zoo.registry import Registry


class Dashed(zoo.Exporter):
    """A format whose name is no identifier."""

    suffixes = (".dash",)
    shortcut = "dash"
    companions = (".side",)

    def __init__(self, level: Annotated[int, Field(ge=0, description="how hard to try")] = 1):
        self.level = level


class Clashing(zoo.Exporter):
    """A format that wants a flag the built-in ONNX exporter has."""

    suffixes = (".clash",)
    shortcut = "onnx"


def registry_with(**exporters: type) -> Registry:
    class Plugin:
        @zoo.hookimpl
        def zoo_exporters(self):
            return exporters

    registry = Registry()
    registry.register(Plugin(), name="test-exporters", version="test 1.0")
    return registry


def test_any_exporter_name_gets_its_flag_and_options_and_a_taken_flag_is_reported(monkeypatch):
    registry = registry_with(**{"my-dashed-format": Dashed, "clash": Clashing})
    monkeypatch.setattr("zoo.cli.export.get_registry", lambda: registry)
    result = CliRunner().invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--dash" in result.output and "Same as --format my-dashed-format" in result.output
    assert "--level" in result.output and "how hard to try (my-dashed-format: int, default 1)" in result.output
    assert "Same as --format clash" not in result.output
    assert any("the flag --onnx is taken" in f.error for f in registry.failures)


def test_an_exporter_option_is_checked_before_the_model_is_looked_for(monkeypatch, tmp_path):
    registry = registry_with(**{"my-dashed-format": Dashed})
    monkeypatch.setattr("zoo.cli.export.get_registry", lambda: registry)
    result = CliRunner().invoke(app, ["export", str(tmp_path / "missing"), "--dash", "--level", "-1"])
    assert isinstance(result.exception, zoo.ConfigError) and "--level=-1" in str(result.exception)


def test_without_a_format_the_default_exporter_is_used():
    assert default_format(zoo.get_registry()) == "onnx"
    assert default_format(registry_with(**{"my-dashed-format": Dashed})) == "onnx"  # built-ins first
    bare = Registry(load_entry_points=False)
    with pytest.raises(zoo.ZooError, match="name a format: --format NAME"):
        default_format(bare)


def test_a_published_artifact_is_its_file_companions_and_reports(tmp_path: Path):
    for name in ("model.dash", "model.dash.side", "model.dash.json", "model.dash.cache", "other.dash.json"):
        (tmp_path / name).write_text("x")
    files = [p.name for p in artifact_files(tmp_path / "model.dash", Dashed)]
    assert files == ["model.dash", "model.dash.side", "model.dash.json"]
    assert Dashed.stale == ("*.dash", "*.dash.side", "*.dash.json", "*.dash.rejected.json")


def test_a_check_that_cannot_be_measured_says_why_and_the_report_stays_strict_json(tmp_path: Path):
    import json

    import torch

    from zoo.exporting.verify import compare
    from zoo.graph import GraphInput, GraphSpec

    spec = GraphSpec(torch.nn.Identity(), [GraphInput("image", ("N", 3, "H", "W"))], multiple=8)
    nan = compare(spec, torch.nn.Identity(), lambda xs: torch.full_like(torch.from_numpy(xs[0]), float("nan")))
    cropped = compare(spec, torch.nn.Identity(), lambda xs: torch.from_numpy(xs[0])[..., :-1])
    assert all(c.error == "the output has NaN or infinite values" and c.max_abs is None for c in nan)
    assert all("the output has shape" in c.error for c in cropped)
    report = zoo.ExportReport(tmp_path / "m.dash", "fp32", "eval", [*nan, *cropped], 1e-3, 60.0)
    assert not report.passed and "NaN or infinite" in report.table()
    saved = report.save()
    assert saved.name == "m.dash.rejected.json"
    json.loads(saved.read_text(), parse_constant=lambda name: pytest.fail(f"{name} in the report"))


def test_an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary_one(tmp_path: Path, monkeypatch):
    import os

    from zoo.files import write_atomic

    target = write_atomic(tmp_path / "report.json", "old")
    monkeypatch.setattr(os, "replace", lambda *args: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.json"]
