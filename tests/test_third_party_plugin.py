"""A third-party plugin, built from docs/plugins.md to the letter, installed with pip into an
isolated environment, listed and trained there.

The guide's files are extracted from its code blocks. Its commands run with the environment's
own python (``python -m pip``, ``python -m zoo``) and, since tests must not reach the network,
``pip install`` gets ``--no-index --no-build-isolation`` and the training run gets a tiny size.
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from helpers import TINY

from zoo.registry import Registry

GUIDE = Path(__file__).parents[1] / "docs" / "plugins.md"


def guide_files() -> dict[str, str]:
    return dict(re.findall(r"```\w+ file=(\S+)\n(.*?)```", GUIDE.read_text(), flags=re.S))


def _isolated_env(folder: Path) -> Path:
    """A venv that sees this environment's packages (torch, zoo) but installs into its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    inner = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    lines = [f"import site; site.addsitedir({path!r})" for path in sorted(outer)]
    (Path(inner) / "outer_environment.pth").write_text("\n".join(lines) + "\n")
    return python


def _run(python: Path, *args: str, cwd: Path) -> str:
    done = subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_the_guide_has_the_package_files():
    assert set(guide_files()) == {"pyproject.toml", "zoo_tinygen/__init__.py"}


def test_a_pip_installed_plugin_is_listed_and_trains(tmp_path):
    package = tmp_path / "zoo-tinygen"
    for name, text in guide_files().items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    python = _isolated_env(tmp_path / "env")

    _run(python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "-e", "zoo-tinygen", cwd=tmp_path)
    listed = _run(python, "-m", "zoo", "list", "generator", "tiny*", cwd=tmp_path)
    assert "tiny-conv" in listed and "tinygen" in listed and "zoo-tinygen 0.1.0" in listed
    assert "plugins that failed" not in listed
    assert "tinygan" in _run(python, "-m", "zoo", "list", "architecture", cwd=tmp_path)

    tiny = [o for o in TINY if not o.startswith(("G.", "D."))] + ["G.width=8", "train.max_iterations=4"]
    sets = [arg for override in tiny for arg in ("--set", override)]
    _run(python, "-m", "zoo", "train", "--arch", "tinygan", "--out", "run", *sets, cwd=tmp_path)
    checkpoints = list((tmp_path / "run" / "checkpoints").iterdir())
    assert [p.name for p in checkpoints] == ["step-00000004"]
    assert "G:\n  name: tiny-conv" in (tmp_path / "run" / "config.yaml").read_text()


def test_the_plugin_did_not_leak_into_this_environment():
    assert Registry().entries(pattern="tiny*") == []  # a fresh look at the entry points
