"""Third-party plugins, built from docs/plugins.md to the letter, installed with pip into an
isolated environment and used there: a model plugin trains; an exporter plugin (torch.export
programs) exports and verifies, loads as the family's pipeline, is benchmarked, listed on the
model card and pushed to a (loopback) Hub — the path the built-in exporters take.

The guide's files are extracted from its code blocks. Its commands run with the environment's
own python (``python -m pip``, ``python -m zoo``) and, since tests must not reach the network,
``pip install`` gets ``--no-index --no-build-isolation`` and the runs get tiny sizes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from helpers import TINY
from hubserver import HubServer

import zoo
from zoo.registry import Registry

GUIDE = Path(__file__).parents[1] / "docs" / "plugins.md"


def guide_files() -> dict[str, str]:
    return dict(re.findall(r"```\w+ file=(\S+)\n(.*?)```", GUIDE.read_text(), flags=re.S))


def write_package(name: str, folder: Path) -> Path:
    for path, text in guide_files().items():
        if path.startswith(f"{name}/"):
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_text(text)
    return folder / name


def isolated_env(folder: Path) -> Path:
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


def run(python: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(python), *args], capture_output=True, text=True, cwd=cwd, timeout=600, env={**os.environ, **(env or {})}
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def install(name: str, tmp_path: Path) -> Path:
    """``name`` from the guide, installed into a new isolated environment (and not into this one)."""
    package = write_package(name, tmp_path)
    python = isolated_env(tmp_path / "env")
    run(python, "-m", "pip", "install", "--no-index", "--no-build-isolation", "-e", str(package), cwd=tmp_path)
    here = Registry()  # a fresh look at this environment's entry points: the plugin is not in them
    assert not [entry for entry in here.entries() if entry.plugin in ("tinygen", "pt2")]
    return python


def test_the_guide_has_both_packages():
    assert set(guide_files()) == {
        "zoo-tinygen/pyproject.toml",
        "zoo-tinygen/zoo_tinygen/__init__.py",
        "zoo-tinygen/zoo_tinygen/networks.py",
        "zoo-pt2/pyproject.toml",
        "zoo-pt2/zoo_pt2/__init__.py",
        "zoo-pt2/zoo_pt2/exporter.py",
    }


def test_a_pip_installed_model_plugin_is_listed_and_trains(tmp_path):
    python = install("zoo-tinygen", tmp_path)
    listed = run(python, "-m", "zoo", "list", "generator", "tiny*", cwd=tmp_path)
    assert "tiny-conv" in listed and "tinygen" in listed and "zoo-tinygen 0.1.0" in listed
    assert "plugins that failed" not in listed
    assert "tinygan" in run(python, "-m", "zoo", "list", "architecture", cwd=tmp_path)

    tiny = [o for o in TINY if not o.startswith(("G.", "D."))] + ["G.width=8", "train.max_iterations=4"]
    sets = [arg for override in tiny for arg in ("--set", override)]
    run(python, "-m", "zoo", "train", "--arch", "tinygan", "--out", "run", *sets, cwd=tmp_path)
    checkpoints = list((tmp_path / "run" / "checkpoints").iterdir())
    assert [p.name for p in checkpoints] == ["step-00000004"]
    config = (tmp_path / "run" / "config.yaml").read_text()
    assert "G:\n  name: tiny-conv" in config and "init_type: normal" in config  # initialised() added it


@pytest.fixture
def pix2pix_model(tmp_path: Path) -> Path:
    """A saved tiny pix2pix model (random weights, a U-Net for multiples of 32)."""
    registry = zoo.get_registry()
    config = zoo.make_config("pix2pix", overrides=["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4",
                                                   "G.init_type=kaiming", "data.size=64"])  # fmt: skip
    arch = registry.get("architecture", "pix2pix").obj
    nets = arch.build_nets(config, registry, ["G"])
    pipeline = arch.pipeline(config, nets, device="cpu")
    pipeline.save_pretrained(tmp_path / "model")
    return tmp_path / "model"


def test_a_pip_installed_exporter_exports_loads_benchmarks_shows_on_the_card_and_pushes(tmp_path, pix2pix_model):
    python = install("zoo-pt2", tmp_path)
    assert "pt2" in run(python, "-m", "zoo", "list", "exporter", cwd=tmp_path)
    assert "--pt2" in run(python, "-m", "zoo", "export", "--help", cwd=tmp_path, env={"COLUMNS": "200"})

    exported = run(python, "-m", "zoo", "export", str(pix2pix_model), "--pt2", cwd=tmp_path)
    artifact = pix2pix_model / "model.pt2"
    assert artifact.is_file() and (pix2pix_model / "model.pt2.json").is_file(), exported
    assert "pt2 fp32 vs PyTorch" in exported

    compare = (
        "import sys, torch, zoo\n"
        "image = torch.rand(2, 3, 64, 96, generator=torch.Generator().manual_seed(0))\n"
        "exported, eager = zoo.load(sys.argv[1]), zoo.load(sys.argv[2], device='cpu')\n"
        "assert type(exported.nets['G']).__name__ == 'Pt2Graph', type(exported.nets['G'])\n"
        "error = (exported(image, output_type='pt') - eager(image, output_type='pt')).abs().max().item()\n"
        "print('max error', error)\n"
        "assert error <= 1e-5, error\n"
    )
    assert "max error" in run(python, "-c", compare, str(artifact), str(pix2pix_model), cwd=tmp_path)

    bench = run(python, "-m", "zoo", "bench", str(pix2pix_model), "--format", "pt2", "--repeats", "1",
                "--warmup", "0", "--device", "cpu", cwd=tmp_path, env={"COLUMNS": "200"})  # fmt: skip
    row = next(line for line in bench.splitlines() if "torch.export" in line)
    assert " ok" in row and "x" in row, row  # timed, with a speed-up against eager

    card = run(python, "-m", "zoo", "card", str(pix2pix_model), cwd=tmp_path)
    assert "| `model.pt2` | pt2 | fp32 | yes |" in card

    with HubServer(tmp_path / "hub") as hub:
        env = {"HF_ENDPOINT": hub.endpoint, "HF_TOKEN": "test-token", "HF_HUB_DISABLE_TELEMETRY": "1",
               "HF_HOME": str(tmp_path / "hf-home")}  # fmt: skip
        run(python, "-m", "zoo", "push", str(pix2pix_model), "me/pt2-model", "--export", "pt2", "--samples", "0",
            cwd=tmp_path, env=env)  # fmt: skip
        files = hub.files("me/pt2-model")
    assert {"model.pt2", "model.pt2.json", "model.safetensors", "README.md"} <= set(files)
    assert "| `model.pt2` | pt2 | fp32 | yes |" in files["README.md"].decode()
