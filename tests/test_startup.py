"""A command pays only for what it uses: ``import zoo``, ``zoo --help`` and ``zoo list`` import
none of the slow optional libraries (checked in fresh interpreters through ``sys.modules``),
while ``zoo list`` still shows every plugin's entries and failures. (Their times are measured in
``benchmarks/startup.py``, not here.)"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SLOW = ["onnxruntime", "onnx", "onnxscript", "timm", "sklearn", "tensorboard", "torchvision", "gradio"]
"""Imported only by the work that needs them (exporting, the VGG loss, clustering, logging...)."""

RUN = textwrap.dedent(
    """
    import contextlib, io, json, sys
    argv = json.loads(sys.argv[1])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        if argv is None:
            import zoo
        else:
            from zoo.cli import main
            sys.argv = ["zoo", *argv]
            with contextlib.suppress(SystemExit):
                main()
    print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}), "output": out.getvalue()}))
    """
)


def run(argv: list[str] | None, env_path: Path | None = None) -> tuple[set[str], str]:
    """The top-level modules imported by ``import zoo`` (``argv`` None) or ``zoo ARGV``, and what it printed."""
    env = None
    if env_path is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(env_path), "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", RUN, json.dumps(argv)], capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return set(result["modules"]), result["output"]


@pytest.mark.parametrize("argv", [None, ["--help"]], ids=["import zoo", "zoo --help"])
def test_import_zoo_and_help_import_neither_torch_nor_the_slow_libraries(argv):
    imported, output = run(argv)
    assert not imported & {"torch", *SLOW}, sorted(imported & {"torch", *SLOW})
    if argv:
        assert "export" in output and "singan" in output and "edit" in output  # plugin commands are listed


def test_zoo_list_shows_every_plugin_and_its_failures_without_the_slow_libraries(tmp_path):
    broken = tmp_path / "zoo_broken-0.1.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-broken\nVersion: 0.1\n")
    (broken / "entry_points.txt").write_text("[zoo]\nbroken = zoo_broken_missing_module\n")
    imported, output = run(["list"], env_path=tmp_path)
    assert not imported & set(SLOW), sorted(imported & set(SLOW))
    for name in ("pix2pix", "unet_256", "spade_encoder", "vgg", "synthetic", "adam", "onnx", "tensorrt", "edit"):
        assert f" {name} " in output, name
    assert "plugins that failed" in output and "zoo_broken_missing_module" in output


def test_zoo_export_help_lists_every_exporter_and_its_options():
    _, output = run(["export", "--help"])
    for text in ("--format", "--onnx", "--trt", "--precision", "--opset", "--max-batch", "ONNX opset"):
        assert text in output, text
