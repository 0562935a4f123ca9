"""``zoo bench``: every backend timed on the same inputs, with errors against eager, as a table and JSON.

The rows' numbers are checked against fake exporters whose runtimes differ from eager by a known
error and take a known time, so a wrong error, speed-up or row order shows; one end-to-end run
checks that the real ONNX Runtime backend agrees with eager."""

from __future__ import annotations

import json
import math
import statistics
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.exporting.bench import bench
from zoo.exporting.exporter import ExportReport
from zoo.exporting.prepare import for_export
from zoo.registry import Registry
from zoo.saved import assemble

TINY = ["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4", "data.size=64"]  # graph test size 64x64
LAG_S = 0.02
"""How long the lagging fake runtime sleeps a run: its latency is at least this."""


def tiny_pipeline():
    """An untrained (seeded) 5-level U-Net with 4 filters: milliseconds a run."""
    registry = zoo.get_registry()
    config = zoo.make_config("pix2pix", overrides=TINY)
    arch = registry.get("architecture", "pix2pix").obj
    torch.manual_seed(0)
    state = arch.build_nets(config, registry, arch.inference_networks(config)).state_dict()
    return assemble(config, state, "random weights", registry, device="cpu")


class Shifted(zoo.Exporter):
    """A fake format whose runtime is eager's module plus a known error: ``-offset`` at one output
    element and ``offset / 10`` everywhere else, so the maximum absolute error is ``offset`` (a
    mean, or a maximum without the absolute value, would be a tenth of it)."""

    suffixes = (".shifted",)
    made: dict[Path, tuple[torch.nn.Module, float, float]] = {}
    """What each artifact stands for: the exported module, the offset and the sleep a run."""
    sleep_s = 0.0

    def __init__(self, offset: float = 0.25):
        self.offset = offset

    def export(self, pipeline, out, registry):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("fake")
        Shifted.made[out] = (for_export(pipeline.graph_spec().module), self.offset, self.sleep_s)
        return ExportReport(out, "fp32", "eval", checks=[], max_abs_tolerance=0.0, min_psnr_db=0.0)

    @classmethod
    def load(cls, path, device, registry):
        module, offset, sleep_s = Shifted.made[path]

        def runtime(*inputs):
            out = module(*inputs)
            delta = torch.full_like(out, offset / 10)
            delta.view(-1)[0] = -offset
            time.sleep(sleep_s)
            return out + delta

        return SimpleNamespace(nets={"G": runtime})


class TwoVariants(Shifted):
    """Two rows, each with its own option: the offsets show that each row ran its own variant."""

    suffixes = (".two",)

    @classmethod
    def bench_variants(cls):
        return {"two small": {"offset": 0.125}, "two large": {"offset": 0.5}}


class Lagging(Shifted):
    """One row named after the exporter, slower than eager by at least ``LAG_S`` a run."""

    suffixes = (".lag",)
    sleep_s = LAG_S


class Missing(Shifted):
    """A format this machine cannot run."""

    suffixes = (".missing",)

    @classmethod
    def unavailable(cls):
        return "the missing package: pip install missing"


def registry_with(**exporters: type) -> Registry:
    class Plugin:
        @zoo.hookimpl
        def zoo_exporters(self):
            return exporters

    registry = Registry(load_entry_points=False)
    registry.register(Plugin(), name="test-exporters", version="test 1.0")
    return registry


PYTORCH = ["pytorch eager", "pytorch channels_last", "pytorch bf16 channels_last"]
"""The PyTorch rows on a CPU, before the exporters'."""


def test_rows_come_pytorchs_first_then_each_exporters_variants_in_registry_order():
    registry = registry_with(zeta=Lagging, two=TwoVariants, missing=Missing)
    rows = bench(tiny_pipeline(), registry, repeats=1, warmup=0)
    variants = {"zeta": ["zeta"], "two": ["two small", "two large"], "missing": ["missing"]}
    in_registry_order = [name for entry in registry.entries("exporter") for name in variants[entry.name]]
    assert [row["backend"] for row in rows] == [*PYTORCH, *in_registry_order]
    missing = rows[len(PYTORCH) + in_registry_order.index("missing")]
    assert missing["status"] == "skipped" and missing["reason"] == "needs the missing package: pip install missing"
    assert missing["latency_ms"] is None and missing["max_abs_error"] is None and missing["speedup"] is None


def test_the_error_against_eager_is_the_maximum_absolute_difference_and_the_psnr_that_of_the_mean_square():
    rows = {row["backend"]: row for row in bench(tiny_pipeline(), registry_with(two=TwoVariants), repeats=1, warmup=0)}
    bf16 = rows.pop("pytorch bf16 channels_last")  # autocast: another answer, close to fp32's
    assert all(row["status"] == "ok" for row in rows.values()), rows
    assert rows["pytorch eager"]["max_abs_error"] == 0 and rows["pytorch eager"]["psnr"] == 200  # the cap
    assert rows["pytorch channels_last"]["max_abs_error"] <= 1e-4
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():
        assert bf16["status"] == "ok" and 0 < bf16["max_abs_error"] < 0.1 and 40 < bf16["psnr"] < 200, bf16
    else:
        assert bf16["status"] == "skipped" and "no bf16 instructions" in bf16["reason"]
    for name, offset in (("two small", 0.125), ("two large", 0.5)):
        assert rows[name]["max_abs_error"] == pytest.approx(offset, abs=1e-6)
        count = 3 * 64 * 64  # one output element off by -offset, the others by offset / 10
        mse = ((count - 1) * (offset / 10) ** 2 + offset**2) / count
        assert rows[name]["psnr"] == pytest.approx(10 * math.log10(4 / mse), abs=1e-3)


def test_speedup_is_eager_latency_over_the_rows_latency_the_median_of_the_timed_runs():
    rows = bench(tiny_pipeline(), registry_with(lag=Lagging), repeats=3, warmup=0)
    eager, lag = rows[0], rows[-1]
    assert lag["backend"] == "lag" and lag["status"] == "ok", lag
    assert len(lag["times_ms"]) == 3 and min(lag["times_ms"]) >= LAG_S * 1000  # the runs themselves are timed
    for row in (eager, lag):
        assert row["latency_ms"] == statistics.median(row["times_ms"])
        assert row["throughput"] == pytest.approx(1000 / row["latency_ms"])  # batch 1
        assert row["speedup"] == pytest.approx(eager["latency_ms"] / row["latency_ms"])
    assert eager["speedup"] == 1  # (not lag < 1: on a busy machine one eager run can take longer than the lag)


def test_zoo_bench_runs_the_real_onnx_runtime_close_to_eager_and_writes_json(tmp_path, monkeypatch):
    """End to end through the CLI with the built-in ONNX exporter, its fp32 variant only (each
    ONNX export takes seconds; fp16 and int8 are the export tests' business)."""
    onnx = zoo.get_registry().get("exporter", "onnx").obj
    fp32 = {name: options for name, options in onnx.bench_variants().items() if options.get("precision") == "fp32"}
    monkeypatch.setattr(onnx, "bench_variants", staticmethod(lambda: fp32))
    tiny_pipeline().save_pretrained(tmp_path / "model")
    out = tmp_path / "out.json"
    args = ["bench", str(tmp_path / "model"), "--repeats", "1", "--warmup", "0", "--device", "cpu"]
    result = CliRunner().invoke(app, [*args, "--format", "onnx", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "pytorch eager" in result.output and "onnxruntime fp32" in result.output

    record = json.loads(out.read_text())
    assert record["arch"] == "pix2pix" and record["machine"]["onnxruntime"]
    assert [row["backend"] for row in record["rows"]] == [*PYTORCH, *fp32]
    row = record["rows"][-1]
    assert row["status"] == "ok" and row["size"] == [64, 64], row
    assert row["latency_ms"] > 0 and row["max_abs_error"] <= 1e-3


def test_variants_rank_by_speed_among_verified_artifacts_and_reduced_precision_asks_40_db():
    from zoo.exporting.bench import ranked_variants

    registry = zoo.get_registry()
    rows = [
        {"backend": "pytorch eager", "status": "ok", "latency_ms": 50.0, "reason": None},
        {"backend": "pytorch channels_last", "status": "ok", "latency_ms": 1.0, "reason": None},
        {"backend": "onnxruntime fp32", "status": "ok", "latency_ms": 30.0, "reason": None},
        {"backend": "onnxruntime fp16", "status": "ok", "latency_ms": 20.0, "reason": None},
        {"backend": "onnxruntime int8", "status": "failed", "latency_ms": None, "reason": "PSNR 21 dB < 20 dB"},
    ]
    ranked = [(format, options) for format, options, _ in ranked_variants(rows, registry)]
    assert ranked == [("onnx", {"precision": "fp16", "min_psnr": 40.0}), ("onnx", {"precision": "fp32"})]
    with pytest.raises(zoo.ZooError, match=r"no export variant was verified.*onnxruntime int8: PSNR 21 dB"):
        ranked_variants([rows[0], rows[4]], registry)


def test_zoo_export_optimize_writes_the_fastest_verified_variant(trained_run, tmp_path):
    out = tmp_path / "fast.onnx"
    result = CliRunner().invoke(app, ["export", str(trained_run), "--onnx", "--optimize", "--out", str(out)])
    assert result.exit_code == 0, result.output
    chosen = result.output.split("fastest verified: ")[1].split(" (")[0]  # "onnxruntime fp16", say
    timings = dict(line.strip().split(": ", 1) for line in result.output.splitlines() if line.startswith("  "))
    ok = {
        k: float(v.split(", ")[1].removesuffix(" ms")) for k, v in timings.items() if v.startswith("ok") and "onnx" in k
    }
    not_kept = {line.split(": ")[1] for line in result.output.splitlines() if line.startswith("not kept: ")}
    assert chosen == min(set(ok) - not_kept, key=ok.get)  # the fastest that kept 40 dB (fp32: 1e-3)
    assert json.loads(out.with_name(out.name + ".json").read_text())["precision"] == chosen.split()[-1]
    assert zoo.load(out) is not None
