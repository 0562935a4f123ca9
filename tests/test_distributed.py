"""Data parallelism: two CPU processes under torchrun train like one process with their joint batch."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import torch
from helpers import TINY, tiny_config

import zoo
from zoo.saved import read_weights
from zoo.trainer.monitor import read_metrics

COMMON = [
    "G.norm=instance",
    "D.norm=instance",
    "G.use_dropout=false",
    "optim.G.lr=0.01",
    "optim.D.lr=0.01",
    "train.max_iterations=3",
]


def _weights(run):
    return read_weights(sorted((run / "checkpoints").iterdir())[-1] / "model.safetensors")


@pytest.mark.parametrize("per_process", [["train.batch_size=2"], ["train.batch_size=1", "train.accumulate=2"]])
def test_two_processes_with_gloo_match_one_process_with_the_joint_batch(tmp_path, per_process):
    sets = [arg for override in [*TINY, *COMMON, *per_process] for arg in ("--set", override)]
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "zoo",
        "train",
        "--arch",
        "pix2pix",
        "--out",
        str(tmp_path / "ddp"),
        *sets,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=280)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "x 2 process(es)" in done.stderr

    joint = zoo.train(tiny_config(*COMMON, "train.batch_size=4"), out=tmp_path / "joint")
    alone = zoo.train(tiny_config(*COMMON, *per_process), out=tmp_path / "alone")  # rank 0's share only

    ddp_losses = [m["losses"] for m in read_metrics(tmp_path / "ddp")]
    assert len(ddp_losses) == 3
    for ours, theirs in zip(ddp_losses, (m["losses"] for m in read_metrics(joint)), strict=True):
        assert ours == pytest.approx(theirs, rel=1e-3)
    ours, joint_w, alone_w = _weights(tmp_path / "ddp"), _weights(joint), _weights(alone)
    params = [k for k in ours if k.endswith("weight")]
    assert all(torch.allclose(ours[k], joint_w[k], atol=1e-3) for k in params)
    assert not all(torch.allclose(ours[k], alone_w[k], atol=1e-3) for k in params)  # the sync mattered
