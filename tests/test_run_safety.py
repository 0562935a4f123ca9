"""A run's first hour: sample grids from step 0, checkpoints by time, what a finished run keeps,
the projected duration and the smoothed rate, and the line a run ends with."""

from __future__ import annotations

import json

import pytest
from helpers import tiny_config
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.config import TrainSettings
from zoo.errors import ConfigError
from zoo.trainer import monitor as monitor_module
from zoo.trainer.monitor import Monitor, format_duration


def steps(folder) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in folder.glob("step-*"))


def test_grids_come_at_step_0_and_with_the_first_checkpoint(tmp_path):
    run = zoo.train(tiny_config("train.max_iterations=5", "train.checkpoint_every=3"), out=tmp_path / "run")
    assert steps(run / "samples") == [0, 3, 5]  # untrained, first checkpoint, end (sample_every is 1000)
    grid = Image.open(run / "samples" / "step-00000000.png")
    assert grid.height == 14 + 4 * 34 + 2  # a title strip over 4 rows of 32 px + padding
    assert grid.getpixel((2, 3)) == (255, 255, 255)  # the strip is white, titles in black
    strip = [grid.getpixel((x, y)) for x in range(grid.width) for y in range(14)]
    assert min(sum(pixel) for pixel in strip) < 200  # dark text


def test_checkpoints_also_come_by_time(tmp_path):
    by_time = tiny_config("train.max_iterations=3", "train.checkpoint_minutes=0.00001", "train.keep_checkpoints=9")
    assert steps(zoo.train(by_time, out=tmp_path / "a") / "checkpoints") == [1, 2, 3]
    by_count = tiny_config("train.max_iterations=3", "train.checkpoint_minutes=null", "train.keep_checkpoints=9")
    assert steps(zoo.train(by_count, out=tmp_path / "b") / "checkpoints") == [3]


def test_a_finished_run_keeps_its_model_and_with_final_weights_only_that(tmp_path):
    full = zoo.train(tiny_config(), out=tmp_path / "full")
    assert sorted(p.name for p in (full / "model").iterdir()) == ["config.json", "model.safetensors"]
    assert steps(full / "checkpoints") == [8]
    small = zoo.train(tiny_config("train.final=weights"), out=tmp_path / "small")
    assert not (small / "checkpoints").exists()
    a, b = zoo.load(full, device="cpu"), zoo.load(small, device="cpu")
    item = a.nets["G"].state_dict()
    assert all((item[k] == v).all() for k, v in b.nets["G"].state_dict().items())  # same seed, same weights


def test_the_run_ends_with_how_to_continue_past_max_iterations(tmp_path, capsys):
    zoo.train(tiny_config("train.max_iterations=5"), out=tmp_path / "run")
    err = " ".join(capsys.readouterr().err.split())
    assert "projected at" in err and "to train.max_iterations=5; the whole schedule (8 iterations) takes about" in err
    command = f"zoo train --resume {tmp_path / 'run'} --set train.max_iterations=N"
    assert f"reached train.max_iterations=5 at step 5 of 8; to continue: {command}" in err
    result = CliRunner().invoke(app, ["train", "--resume", str(tmp_path / "run"), "--set", "train.max_iterations=7"])
    assert result.exit_code == 0, result.output
    assert steps(tmp_path / "run" / "checkpoints")[-1] == 7


def test_the_rate_is_smoothed_and_the_eta_covers_every_phase(monkeypatch, tmp_path):
    clock = iter([0.0, 2.0, 3.0, 4.0])  # the end of each iteration; the first warms up and is not timed
    monkeypatch.setattr(monitor_module.time, "perf_counter", lambda: next(clock))
    monitor = Monitor(tmp_path, TrainSettings(progress=False, tensorboard=False, log_every=1000), active=True)
    monitor.plan([10, 20], [1.0, 3.0], 0)
    monitor.start_phase("first", 10, 0, 0)
    for step in range(1, 5):
        monitor.step(step, "first", 0, {}, {})
    # 2 s, then 1 s, 1 s: 2 -> 0.9 * 2 + 0.1 * 1 = 1.9 -> 1.81
    assert monitor._seconds == pytest.approx(1.81)
    assert monitor.remaining_iterations() == 6 + 20
    assert monitor.remaining_seconds() == pytest.approx((6 + 20 * 3) * 1.81)
    assert monitor.eta_text() == f"{format_duration(66 * 1.81)} left ({format_duration(6 * 1.81)} this phase)"


def test_durations_read_as_forecasts():
    assert [format_duration(s) for s in (42, 185, 1500, 7500, 3 * 86400 + 4 * 3600)] == [
        "42 s",
        "3 min 05 s",
        "25 min",
        "2 h 05 min",
        "3 d 4 h",
    ]


def test_an_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"--preset fastest: pix2pix has no such preset \(it has: quick"):
        zoo.make_config("pix2pix", preset="fastest")


def test_metrics_stay_json_lines(tmp_path):
    run = zoo.train(tiny_config("train.max_iterations=2"), out=tmp_path / "run")
    assert [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()] == [1, 2]
