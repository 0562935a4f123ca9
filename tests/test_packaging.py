"""Packaging, checked on a wheel built from a copy of the checkout (not the editable install):
one top-level name in site-packages (zoo), every module and data file under it, the built-ins
behind the zoo entry points of pyproject.toml."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
NAMESPACE = {"zoo": "zoo", "plugins": "zoo/plugins", "exporters": "zoo/exporters", "model_cards": "zoo/model_cards"}
"""Each source folder and where it installs (docs/architecture.md): plugins, exporters and model
cards inside the zoo namespace, so site-packages gains no generic top-level names."""
DATA = ["plugins/datasets/images", "model_cards/templates"]
"""Folders of non-Python files the code reads at run time (SinGAN's sample image, the card template)."""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, zipfile.ZipFile]:
    """The wheel of a copy of the checkout (so the build leaves nothing in it), and that copy."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"
    skip = (".git", ".venv", "build", "runs", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*skip))
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q"]
    subprocess.run([*pip, "-w", str(tmp), str(source)], check=True, capture_output=True)
    [built] = tmp.glob("zoo_gan-*.whl")
    return source, zipfile.ZipFile(built)


def _installed(source: Path, path: Path) -> str:
    """Where a file of the checkout lands in the wheel."""
    folder, *rest = path.relative_to(source).parts
    return "/".join([NAMESPACE[folder], *rest])


def _dist_info(archive: zipfile.ZipFile) -> str:
    [dist_info] = {name.split("/")[0] for name in archive.namelist() if name.split("/")[0].endswith(".dist-info")}
    return dist_info


def test_the_wheel_holds_every_module_and_data_file_under_zoo_and_nothing_else(wheel):
    source, archive = wheel
    dist_info = _dist_info(archive)
    names = set(archive.namelist())
    assert {name.split("/")[0] for name in names} == {"zoo", dist_info}  # no generic top-level names
    modules = {_installed(source, p) for folder in NAMESPACE for p in (source / folder).rglob("*.py")}
    data = {_installed(source, p): p for folder in DATA for p in (source / folder).iterdir() if p.is_file()}
    assert {"zoo/plugins/datasets/images/balloons.png", "zoo/model_cards/templates/model.md"} <= set(data)
    assert {name for name in names if not name.startswith(dist_info)} == modules | set(data)
    for name, path in data.items():
        assert archive.read(name) == path.read_bytes(), name
    top_level = f"{dist_info}/top_level.txt"
    if top_level in names:
        assert archive.read(top_level).decode().split() == ["zoo"]


def test_the_wheels_entry_points_are_those_of_pyproject_and_name_modules_inside_it(wheel):
    source, archive = wheel
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    project = tomllib.loads((source / "pyproject.toml").read_text())["project"]
    entry_points = configparser.ConfigParser(delimiters=("=",))
    entry_points.optionxform = str  # keep the names' case
    entry_points.read_string(archive.read(f"{_dist_info(archive)}/entry_points.txt").decode())
    assert set(entry_points.sections()) == {"zoo", "console_scripts"}
    assert dict(entry_points["zoo"]) == project["entry-points"]["zoo"]
    assert dict(entry_points["console_scripts"]) == project["scripts"]
    names = set(archive.namelist())
    for target in [*project["entry-points"]["zoo"].values(), *project["scripts"].values()]:
        module = target.split(":")[0].replace(".", "/")
        assert f"{module}/__init__.py" in names or f"{module}.py" in names, target
    metadata = archive.read(f"{_dist_info(archive)}/METADATA").decode()
    assert f"Name: {project['name']}\n" in metadata and f"Version: {project['version']}\n" in metadata
