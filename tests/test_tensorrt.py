"""TensorRT export: without TensorRT or a CUDA GPU it fails at once, saying what to install; with
both, tiny generators become engines that are verified, then loaded and run by zoo.load."""

from __future__ import annotations

import sys
from importlib.util import find_spec

import pytest
import torch

import zoo
from zoo.api import export
from zoo.exporting.exporter import ExportError
from zoo.plugins.datasets.synthetic import SyntheticScenes

PIX2PIX = ["G.name=unet", "G.num_downs=5", "G.ngf=4", "G.init_type=kaiming", "D.ndf=4"]
"""A U-Net for any multiple of 32, initialized so that its untrained output spans [-1, 1] and
follows the input (the default init gives ~0 everywhere, which any engine would match)."""

SPADE_VAE = ["G.ngf=4", "G.crop_size=64", "G.use_vae=true", "D.ndf=4"]
"""A fixed-size (64x64) graph with two inputs, the label maps and a style code z."""


def tiny_pipeline(arch: str, overrides: list[str]) -> zoo.Pipeline:
    config = zoo.make_config(arch, overrides=overrides)
    registry = zoo.get_registry()
    architecture = registry.get("architecture", arch).obj
    return architecture.pipeline(config, architecture.build_nets(config, registry, ["G"]), device="cpu")


@pytest.mark.parametrize(
    ("missing", "says"),
    [("tensorrt", r'pip install "zoo-gan\[tensorrt\]"'), ("cuda", "a CUDA GPU, which PyTorch does not see")],
)
def test_export_without_tensorrt_or_cuda_fails_at_once_saying_what_to_install(missing, says, tmp_path, monkeypatch):
    if missing == "tensorrt":
        monkeypatch.setitem(sys.modules, "tensorrt", None)  # `import tensorrt` now raises ImportError
    else:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    pipeline = tiny_pipeline("pix2pix", PIX2PIX)
    monkeypatch.setattr(pipeline, "graph_spec", lambda: pytest.fail("the export started before checking"))
    with pytest.raises(ExportError, match=f"the tensorrt exporter needs .*{says}"):
        export(pipeline, "tensorrt", tmp_path / "model.engine")
    assert not list(tmp_path.iterdir())


def test_loading_an_engine_without_tensorrt_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", None)
    engine = tmp_path / "model.engine"
    engine.write_bytes(b"built elsewhere")
    with pytest.raises(
        zoo.ZooError, match=r"loading a tensorrt artifact needs the tensorrt package.*zoo-gan\[tensorrt\]"
    ):
        zoo.load(engine)


@pytest.mark.skipif(find_spec("tensorrt") is None, reason='tensorrt is not installed (pip install "zoo-gan[tensorrt]")')
@pytest.mark.skipif(not torch.cuda.is_available(), reason="TensorRT needs a CUDA GPU and there is none")
@pytest.mark.parametrize(
    ("arch", "overrides", "precision"),
    [("pix2pix", PIX2PIX, "fp32"), ("pix2pix", PIX2PIX, "fp16"), ("spade", SPADE_VAE, "fp32")],
)
def test_tiny_generators_become_verified_engines_that_zoo_load_runs(arch, overrides, precision, tmp_path):
    pipeline = tiny_pipeline(arch, overrides)
    out = tmp_path / "model.engine"
    report = export(pipeline, "tensorrt", out, precision=precision)
    assert report.passed and report.format == "tensorrt" and len(report.checks) == 2, report.table()
    assert report.details["strongly_typed"] and report.details["onnx"]["checks"]
    for beside in ("model.engine.meta.json", "model.engine.json", "model.engine.timing.cache"):
        assert (tmp_path / beside).is_file()

    engine = zoo.load(out)
    assert engine.device.type == "cuda"
    if arch == "pix2pix":
        image = torch.rand(2, 3, 64, 96, generator=torch.Generator().manual_seed(0))
        expected, got = pipeline(image, output_type="pt"), engine(image, output_type="pt")
        with pytest.raises(zoo.ZooError, match="this engine was built for shapes from"):
            engine(torch.rand(3, 32, 32))  # a size the graph takes, below the engine's profile
    else:
        item, z = SyntheticScenes(size=64, split="val")[0], torch.randn(1, 256)
        expected = pipeline(item["label"], item["instance"], z=z, output_type="pt")
        got = engine(item["label"], item["instance"], z=z, output_type="pt")
    tolerance = report.max_abs_tolerance
    torch.testing.assert_close(got.float().cpu(), expected.float().cpu(), atol=tolerance, rtol=0)
