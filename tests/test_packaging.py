"""Packaging: one top-level name in site-packages (zoo), built-ins behind the zoo entry points."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import zoo.exporters
import zoo.model_cards
import zoo.plugins

ROOT = Path(__file__).parents[1]


def test_the_folders_map_into_the_zoo_namespace():
    assert Path(zoo.plugins.__file__).parent == ROOT / "plugins"
    assert Path(zoo.exporters.__file__).parent == ROOT / "exporters"
    assert Path(zoo.model_cards.__file__).parent == ROOT / "model_cards"


def test_the_wheel_installs_nothing_but_zoo(tmp_path):
    source = tmp_path / "source"  # a copy, so that the build leaves nothing in the checkout
    skip = (".git", ".venv", "build", "runs", "*.egg-info", "__pycache__", ".pytest_cache", ".ruff_cache")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*skip))
    package_folders = {str(p.parent.relative_to(source)) for p in source.glob("*/**/__init__.py")}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("zoo_gan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"zoo", wheel.name.split("-py3")[0] + ".dist-info"}
    in_wheel = {str(Path(name).parent) for name in names if name.endswith("__init__.py")}
    expected = {
        folder if folder.startswith("zoo") else f"zoo/{folder}"
        for folder in package_folders
        if not folder.startswith("tests")
    }
    assert in_wheel == expected  # every package folder is in the wheel, under zoo/
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[zoo]" in entry_points and "pix2pix = zoo.plugins.pix2pix" in entry_points
    assert "[console_scripts]" in entry_points and "zoo = zoo.cli:main" in entry_points
