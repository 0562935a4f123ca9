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
    assert report.details["verified_on"] and report.details["onnx"]["checks"]
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


@pytest.fixture
def standin(monkeypatch):
    """The TensorRT exporter with a stand-in for TensorRT and its engine (tests/tensorrt_standin.py):
    the logic around TensorRT runs here; TensorRT itself does not."""
    import tensorrt_standin

    import zoo.exporters.tensorrt as exporter

    monkeypatch.setattr(exporter, "import_tensorrt", lambda purpose, error: tensorrt_standin.module())
    monkeypatch.setattr(exporter, "TensorRTGraph", tensorrt_standin.StandInEngine)
    monkeypatch.setattr(exporter.TensorRTExporter, "unavailable", classmethod(lambda cls: None))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "stand-in GPU")
    return tensorrt_standin


def test_an_engine_that_fails_verification_leaves_the_last_good_one_in_place(standin, tmp_path, monkeypatch):
    pipeline = tiny_pipeline("pix2pix", PIX2PIX)
    out = tmp_path / "model.engine"
    report = export(pipeline, "tensorrt", out, max_batch=4, max_size=128)
    assert report.passed and report.details["verified_on"] == "stand-in GPU"
    built = standin.BUILT[-1]  # strongly typed, TF32 off, the profile over the dynamic batch and sizes
    assert built["flags"] == 1 << 0 and built["cleared"] == ["tf32"]
    assert built["shapes"] == {"image": ((1, 3, 64, 64), (1, 3, 128, 128), (4, 3, 128, 128))}
    kept = {name: (tmp_path / name).read_bytes() for name in ("model.engine", "model.engine.meta.json")}

    with torch.no_grad():  # other weights, so that another engine would be other bytes
        pipeline.nets["G"].model.model[0].weight.mul_(2)
    monkeypatch.setattr(standin.StandInEngine, "offset", 0.5)  # and a wrong one
    with pytest.raises(zoo.VerificationError, match="was not written: it disagrees with PyTorch"):
        export(pipeline, "tensorrt", out, max_batch=4, max_size=128)
    assert {name: (tmp_path / name).read_bytes() for name in kept} == kept
    assert (tmp_path / "model.engine.rejected.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".zoo-export-")]


def test_a_timing_cache_is_reused_and_one_from_another_tensorrt_is_discarded(standin, tmp_path):
    pipeline = tiny_pipeline("pix2pix", PIX2PIX)
    cache = tmp_path / "shared.cache"
    cache.write_bytes(b"earlier builds")
    export(pipeline, "tensorrt", tmp_path / "a.engine", timing_cache=cache)
    assert cache.read_bytes() == b"earlier builds+build"  # read, extended, written back
    for bad in (standin.FOREIGN + b"another GPU", standin.UNREADABLE + b"?"):
        cache.write_bytes(bad)
        with pytest.warns(UserWarning, match="unreadable, or made by another TensorRT version or GPU; ignored"):
            export(pipeline, "tensorrt", tmp_path / "b.engine", timing_cache=cache)
        assert cache.read_bytes() == b"+build"


def test_a_timing_cache_is_written_atomically(standin, tmp_path, monkeypatch):
    import zoo.exporters.tensorrt as exporter

    written = []
    monkeypatch.setattr(exporter, "write_atomic", lambda path, data: written.append((path, data)))
    export(tiny_pipeline("pix2pix", PIX2PIX), "tensorrt", tmp_path / "a.engine")
    assert written == [(tmp_path / "a.engine.timing.cache", b"+build")]


def test_engine_tensor_types_map_to_torch_and_unknown_ones_are_refused():
    from types import SimpleNamespace

    from zoo.exporters.tensorrt_runtime import torch_dtype

    assert torch_dtype(SimpleNamespace(name="BF16"), "image", "m.engine") == torch.bfloat16
    assert torch_dtype(SimpleNamespace(name="FP8"), "image", "m.engine") == torch.float8_e4m3fn
    assert torch_dtype(SimpleNamespace(name="HALF"), "output", "m.engine") == torch.float16
    with pytest.raises(zoo.CheckpointError, match=r"m\.engine: the engine's tensor image has type INT4"):
        torch_dtype(SimpleNamespace(name="INT4"), "image", "m.engine")


def test_an_input_shape_tensorrt_refuses_fails_naming_the_input():
    from zoo.exporters.tensorrt_runtime import bind_inputs

    class Context:
        def __init__(self):
            self.bound = {}

        def set_input_shape(self, name, shape):
            return shape[0] <= 2

        def set_tensor_address(self, name, address):
            self.bound[name] = address

    context = Context()
    bind_inputs(context, {"image": torch.zeros(2, 3, 4, 4)}, "m.engine")
    assert set(context.bound) == {"image"}
    with pytest.raises(zoo.ZooError, match=r"m.engine: TensorRT refuses input image of shape \(3, 3, 4, 4\)"):
        bind_inputs(context, {"image": torch.zeros(3, 3, 4, 4)}, "m.engine")
