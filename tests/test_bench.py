"""``zoo bench``: every backend timed on the same inputs, with errors against eager, as a table and JSON."""

from __future__ import annotations

import importlib.util
import json

import torch
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.saved import assemble


def test_zoo_bench_times_every_backend_here_and_says_why_others_are_skipped(tmp_path):
    registry = zoo.get_registry()
    tiny = ["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4", "data.size=64"]  # a U-Net 256 exports 40% slower
    config = zoo.make_config("pix2pix", overrides=tiny)
    arch = registry.get("architecture", "pix2pix").obj
    state = arch.build_nets(config, registry, arch.inference_networks(config)).state_dict()
    assemble(config, state, "random weights", registry, device="cpu").save_pretrained(tmp_path / "model")

    out = tmp_path / "out.json"
    args = ["bench", str(tmp_path / "model"), "--repeats", "1", "--warmup", "0", "--device", "cpu", "--json", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for backend in ("pytorch eager", "pytorch channels_last", "onnxruntime fp32", "onnxruntime fp16", "tensorrt"):
        assert backend in result.output

    record = json.loads(out.read_text())
    assert record["arch"] == "pix2pix" and record["machine"]["onnxruntime"]
    rows = {row["backend"]: row for row in record["rows"]}
    tolerances = {
        "pytorch eager": 0,
        "pytorch channels_last": 1e-4,
        "onnxruntime fp32": 1e-3,
        "onnxruntime fp16": 0.1,
        "onnxruntime int8": 1.0,  # calibrated on the synthetic data set
    }
    for backend, tolerance in tolerances.items():
        row = rows[backend]
        assert row["status"] == "ok" and row["size"] == [64, 64], row
        assert row["latency_ms"] > 0 and row["throughput"] > 0 and row["max_abs_error"] <= tolerance
    assert rows["pytorch eager"]["speedup"] == 1
    if importlib.util.find_spec("tensorrt") is None or not torch.cuda.is_available():
        assert rows["tensorrt"]["status"] == "skipped" and rows["tensorrt"]["reason"]
