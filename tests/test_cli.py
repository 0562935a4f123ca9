"""The zoo command line end to end: train on the embedded default, resume, print a config, fail cleanly."""

from __future__ import annotations

import subprocess
import sys

import yaml
from helpers import TINY
from typer.testing import CliRunner

from zoo.cli import app
from zoo.trainer.monitor import read_metrics


def _sets(*overrides: str) -> list[str]:
    return [arg for override in overrides for arg in ("--set", override)]


def test_zoo_train_with_no_data_argument_uses_the_embedded_default(tmp_path):
    args = ["train", "--arch", "pix2pix", "--out", str(tmp_path / "run"), *_sets(*TINY, "train.max_iterations=3")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert config["data"]["name"] == "synthetic"
    assert [p.name for p in (tmp_path / "run" / "checkpoints").iterdir()] == ["step-00000003"]
    assert (tmp_path / "run" / "samples" / "step-00000003.png").is_file()

    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path / "run")])
    assert "is at step 3, train.max_iterations=3" in str(result.exception)
    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path / "run"), "--set", "train.max_iterations=null"])
    assert result.exit_code == 0, result.output
    assert [m["step"] for m in read_metrics(tmp_path / "run")] == list(range(1, 9))


def test_print_config_round_trips_through_config(tmp_path):
    printed = CliRunner().invoke(app, ["train", "--arch", "pix2pix", "--print-config", *_sets("G.ngf=16")])
    assert printed.exit_code == 0, printed.output
    (tmp_path / "run.yaml").write_text(printed.output)
    again = CliRunner().invoke(app, ["train", "--config", str(tmp_path / "run.yaml"), "--print-config"])
    assert again.output == printed.output and "ngf: 16" in again.output


def test_errors_are_one_line_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "zoo", "train", "--arch", "pix2px"], capture_output=True, text=True)
    assert done.returncode == 2
    assert "error: unknown architecture 'pix2px'; closest: pix2pix" in done.stderr
    assert "Traceback" not in done.stderr
