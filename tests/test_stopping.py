"""Stopping a run from outside, as a user does: closing the terminal (SIGHUP) saves and stops like
Ctrl-C, saying so at once; a second Ctrl-C aborts and says what it lost. Real processes and signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="POSIX signals")

TINY = [  # small networks, but 12 micro-batches an iteration: seconds between two checkpoints' chances
    "G.name=unet_128",
    "G.ngf=8",
    "D.ndf=8",
    "data.size=128",
    "train.accumulate=12",
    "train.progress=false",
    "train.tensorboard=false",
    "train.log_every=1",
    "train.device=cpu",
]


class Run:
    """``zoo train`` of a tiny pix2pix for its whole (long) schedule, its stderr read as it comes."""

    def __init__(self, folder: Path):
        command = [sys.executable, "-m", "zoo", "train", "--arch", "pix2pix", "--out", str(folder)]
        for item in TINY:
            command += ["--set", item]
        self.process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True)
        self.reader.start()
        metrics = folder / "metrics.jsonl"
        self.wait(lambda: metrics.is_file() and len(metrics.read_text().splitlines()) >= 2, "two iterations")

    def wait(self, condition, what: str) -> None:
        deadline = time.monotonic() + 240
        while not condition():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                pytest.fail(f"no {what}: {self.text()}")
            time.sleep(0.01)

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def end(self) -> str:
        self.process.wait(timeout=240)
        self.reader.join(timeout=10)
        return self.text()

    def text(self) -> str:
        return " ".join("".join(self.lines).split())


def test_closing_the_terminal_saves_a_checkpoint_and_says_how_to_continue(tmp_path):
    run = Run(tmp_path / "run")
    run.signal(signal.SIGHUP)
    err = run.end()
    assert run.process.returncode == 0, err
    assert "SIGHUP: stopping after this iteration and saving a checkpoint... (Ctrl-C again to abort" in err
    assert f"continue with: zoo train --resume {tmp_path / 'run'}" in err
    assert [p.name for p in (tmp_path / "run" / "checkpoints").iterdir() if p.name.startswith("step-")]


def test_a_second_ctrl_c_aborts_and_says_what_is_lost(tmp_path):
    run = Run(tmp_path / "run")
    run.signal(signal.SIGINT)
    run.wait(lambda: "stopping after this iteration" in run.text(), "message")  # two at once would count once
    run.signal(signal.SIGINT)  # within the same iteration: nothing is saved
    err = run.end()
    assert run.process.returncode != 0
    assert "SIGINT: stopping after this iteration" in err
    assert "aborted without saving:" in err and "of this run are lost (no checkpoint yet)" in err
    assert "Traceback" not in err
    assert not list((tmp_path / "run").glob("checkpoints/step-*"))
