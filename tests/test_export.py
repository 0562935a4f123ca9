"""ONNX export: every family's generator exported, verified at two sizes in ONNX Runtime, loaded
back behind its pipeline; fp16 and int8 variants; size rules enforced at run time."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
import torch
from helpers import HD_TINY, QUIET
from helpers import random_pipeline as pipeline
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.api import export
from zoo.cli import app
from zoo.exporting.exporter import ExportError
from zoo.exporting.prepare import for_export
from zoo.plugins.datasets.single_image import DEFAULT
from zoo.plugins.datasets.synthetic import SyntheticScenes

SPADE_SMALL = ["G.ngf=4", "G.crop_size=64", "G.norm=instance", "D.ndf=8", "D.n_layers=3", "data.size=64"]
"""Instance norm: untrained batch-norm statistics would saturate every output pixel, leaving
verification nothing but signs to compare."""


@pytest.fixture(scope="module")
def singan_image(tmp_path_factory):
    path = tmp_path_factory.mktemp("singan") / "tiny.png"
    Image.open(DEFAULT).convert("RGB").resize((40, 30), Image.Resampling.BICUBIC).save(path)
    return path


CASES = {
    "pix2pix": ("pix2pix", ["G.ngf=4", "D.ndf=4", "G.init_type=kaiming"]),  # outputs far from 0
    "pix2pixhd": ("pix2pixhd", HD_TINY),
    "spade": ("spade", SPADE_SMALL),
    "spade-vae": ("spade", [*SPADE_SMALL, "G.use_vae=true"]),
}


@pytest.mark.parametrize("case", [*CASES, "singan"])
def test_each_family_exports_verifies_at_two_sizes_and_loads_back(case, tmp_path, singan_image):
    arch, overrides = CASES.get(case, ("singan", [f"data.path={singan_image}", "G.nfc=8", "G.min_nfc=8"]))
    pipe = pipeline(arch, overrides)
    report = export(pipe, "onnx", tmp_path / "model.onnx")
    assert report.passed and len(report.checks) == 2 and report.checks[0].max_abs < 1e-3
    dynamic = case in ("pix2pix", "pix2pixhd", "spade")
    assert (report.checks[0].size != report.checks[1].size) == dynamic
    assert json.loads((tmp_path / "model.onnx.json").read_text())["passed"]
    model = onnx.load(tmp_path / "model.onnx")
    assert not list(tmp_path.glob("*.data"))  # one file: weights inside
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["zoo.config"])["arch"] == arch
    shapes = [[d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input]
    assert shapes[0][0] == "batch" and (isinstance(shapes[0][2], str) == dynamic)
    # TensorRT has no FP64, and uint8 only at the edges: the graph computes in float32 (SinGAN's resize too)
    casts = {a.i for node in model.graph.node if node.op_type == "Cast" for a in node.attribute if a.name == "to"}
    assert not casts & {onnx.TensorProto.DOUBLE, onnx.TensorProto.UINT8}

    loaded = zoo.load(tmp_path / "model.onnx")
    assert type(loaded) is type(pipe)
    if arch == "singan":
        assert torch.allclose(
            loaded.sample(2, seed=1, output_type="pt"), pipe.sample(2, seed=1, output_type="pt"), atol=1e-4
        )
    elif arch == "pix2pix":
        image = np.random.default_rng(0).integers(0, 255, (256, 512, 3), dtype=np.uint8)
        assert torch.allclose(loaded(image, output_type="pt"), pipe(image, output_type="pt"), atol=1e-4)
    else:
        item = SyntheticScenes(size=64, split="val")[0]
        a = loaded(item["label"], item["instance"], seed=2, output_type="pt")
        assert torch.allclose(a, pipe(item["label"], item["instance"], seed=2, output_type="pt"), atol=1e-4)


def test_spectral_norm_is_folded_and_the_model_left_intact(tmp_path):
    pipe = pipeline("spade", SPADE_SMALL)
    before = pipe.nets["G"].head_0.conv_0.weight.clone()
    folded = for_export(pipe.nets["G"])
    assert not hasattr(folded.head_0.conv_0, "parametrizations")
    assert torch.equal(folded.head_0.conv_0.weight, before)  # W / sigma, as the model computes it
    assert torch.equal(pipe.nets["G"].head_0.conv_0.weight, before)  # the original keeps its spectral norm
    assert hasattr(pipe.nets["G"].head_0.conv_0, "parametrizations")


def test_sizes_the_graph_cannot_take_fail_clearly_at_run_time(tmp_path):
    export(pipeline(*CASES["pix2pixhd"]), "onnx", tmp_path / "hd.onnx")
    generator = zoo.load(tmp_path / "hd.onnx").nets["G"]
    channels, multiple = generator.described["inputs"][0]["shape"][1], generator.described["multiple"]
    assert multiple == generator.size_multiple > 1
    assert generator(torch.zeros(1, channels, 64, 64 + multiple)).shape == (1, 3, 64, 64 + multiple)
    with pytest.raises(zoo.ZooError, match=f"multiples of {multiple}: resize or crop"):
        generator(torch.zeros(1, channels, 64, 64 + multiple // 2))
    with pytest.raises(zoo.ZooError, match="expected"):
        generator(torch.zeros(1, channels + 1, 64, 64))


def test_fp16_keeps_normalization_in_fp32_and_is_judged_by_psnr(tmp_path):
    report = export(pipeline(*CASES["pix2pixhd"]), "onnx", tmp_path / "hd16.onnx", precision="fp16")
    assert report.passed and report.precision == "fp16" and all(35 < c.psnr_db < 200 for c in report.checks)
    graph = onnx.load(tmp_path / "hd16.onnx").graph
    norms = [n for n in graph.node if n.op_type in ("InstanceNormalization", "ReduceMean")]
    casts = [n for n in graph.node if n.op_type == "Cast"]
    assert norms and casts  # normalization computed after a cast to fp32
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT  # fp32 in and out for callers


def test_int8_calibrates_on_the_models_data_set(tmp_path, caplog):
    pipe = pipeline("pix2pix", ["G.ngf=4", "D.ndf=4", "data.size=256", "data.num_samples=4"])
    report = export(pipe, "onnx", tmp_path / "q.onnx", precision="int8", calibration=3)
    assert "consider pre-processing" not in caplog.text  # ONNX Runtime's quant_pre_process ran first
    assert report.passed and report.checks[0].psnr_db > 20
    ops = {n.op_type for n in onnx.load(tmp_path / "q.onnx").graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    missing = pipeline("pix2pix", ["G.ngf=4", "D.ndf=4"])
    missing.config.data = zoo.config.Component("aligned", {"root": str(tmp_path / "nowhere")})
    with pytest.raises(zoo.ZooError, match="int8 calibrates on images of the model's data set"):
        export(missing, "onnx", tmp_path / "q2.onnx", precision="int8")


def test_an_export_above_tolerance_fails_and_keeps_what_was_there(tmp_path):
    pipe = pipeline(*CASES["pix2pix"])
    with pytest.raises(ExportError, match="disagrees with PyTorch"):
        export(pipe, "onnx", tmp_path / "m.onnx", max_abs=0.0, min_psnr=1000)
    assert (
        not (tmp_path / "m.onnx").exists() and not json.loads((tmp_path / "m.onnx.rejected.json").read_text())["passed"]
    )
    export(pipe, "onnx", tmp_path / "m.onnx")
    good = (tmp_path / "m.onnx").read_bytes()
    with pytest.raises(ExportError, match="was not written"):
        export(pipe, "onnx", tmp_path / "m.onnx", max_abs=0.0, min_psnr=1000)
    assert (tmp_path / "m.onnx").read_bytes() == good and json.loads((tmp_path / "m.onnx.json").read_text())["passed"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m.onnx.json", "m.onnx.rejected.json"]
    with pytest.raises(ExportError, match="already an exported graph"):
        export(tmp_path / "m.onnx", "onnx", tmp_path / "again.onnx")
    with pytest.raises(zoo.ZooError, match="holds no PyTorch weights"):
        zoo.load(tmp_path / "m.onnx").save_pretrained(tmp_path / "saved")


def test_the_cli_exports_a_run(tmp_path):
    run = zoo.train(
        zoo.make_config("pix2pix", overrides=["G.ngf=4", "D.ndf=4", "train.max_iterations=1", *QUIET]),
        out=tmp_path / "run",
    )
    result = CliRunner().invoke(app, ["export", str(run), "--onnx", "--out", str(tmp_path / "g.onnx")])
    assert result.exit_code == 0, result.output
    assert "onnx fp32 on CPUExecutionProvider vs PyTorch" in result.output and (tmp_path / "g.onnx").is_file()
    assert zoo.load(tmp_path / "g.onnx").config.arch == "pix2pix"


def test_an_export_in_paper_test_mode_normalizes_with_the_batchs_own_statistics(tmp_path):
    pipe = pipeline("pix2pix", ["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4", "G.init_type=kaiming"])
    report = export(pipe, "onnx", tmp_path / "paper.onnx", test_mode="paper")
    assert report.passed and report.test_mode == "paper", report.table()
    graph = zoo.load(tmp_path / "paper.onnx").nets["G"]
    eval_graph = zoo.load(export(pipe, "onnx", tmp_path / "eval.onnx").path).nets["G"]
    images = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    together, alone = graph(images), torch.cat([graph(images[:1]), graph(images[1:])])
    assert (together - alone).abs().max() > 1e-3  # each image's output depends on the others: batch statistics
    reference = for_export(pipe.nets["G"], "paper")
    torch.testing.assert_close(together, reference(images), atol=1e-4, rtol=0)
    eval_together = eval_graph(images)
    torch.testing.assert_close(
        eval_together, torch.cat([eval_graph(images[:1]), eval_graph(images[1:])]), atol=1e-5, rtol=0
    )


def test_verification_runs_on_the_provider_the_artifact_is_loaded_with(tmp_path):
    pipe = pipeline(*CASES["pix2pix"])
    report = export(pipe, "onnx", tmp_path / "m.onnx", provider="CPUExecutionProvider")
    assert report.details["verified_on"] == "CPUExecutionProvider" and "on CPUExecutionProvider" in report.table()
    assert zoo.load(tmp_path / "m.onnx").nets["G"].provider == "CPUExecutionProvider"
    assert all(check.on == "CPUExecutionProvider" for check in report.checks)
    with pytest.raises(ExportError, match="--provider NoSuchExecutionProvider: this ONNX Runtime offers"):
        export(pipe, "onnx", tmp_path / "n.onnx", provider="NoSuchExecutionProvider")

    model = onnx.load(tmp_path / "m.onnx")
    for verified, name in (
        (["CUDAExecutionProvider", "CPUExecutionProvider"], "both"),
        (["CUDAExecutionProvider"], "gpu"),
    ):
        [entry] = [e for e in model.metadata_props if e.key == "zoo.providers"]  # as if verified on a GPU build
        entry.value = json.dumps(verified)
        onnx.save(model, tmp_path / f"{name}.onnx")
    assert zoo.load(tmp_path / "both.onnx").nets["G"].provider == "CPUExecutionProvider"  # the CPU was verified too
    with pytest.raises(zoo.ZooError, match="was verified on CUDAExecutionProvider, none of which this ONNX Runtime"):
        zoo.load(tmp_path / "gpu.onnx")


def test_weights_over_the_protobuf_limit_go_to_a_side_file_that_travels_with_the_model(tmp_path, monkeypatch):
    import torch.onnx._internal.exporter._onnx_program as program

    monkeypatch.setattr(program, "_LARGE_MODEL_THRESHOLD", 1024)  # ONNXProgram.save decides, counting buffers
    pipe = pipeline(*CASES["pix2pix"])
    report = export(pipe, "onnx", tmp_path / "big.onnx")
    assert report.passed and (tmp_path / "big.onnx.data").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".zoo-export-")]
    image = torch.rand(1, 3, 256, 256)
    expected = pipe(image, output_type="pt")
    torch.testing.assert_close(zoo.load(tmp_path / "big.onnx")(image, output_type="pt"), expected, atol=1e-3, rtol=0)
    from zoo.exporting.export import artifact_files

    onnx_exporter = zoo.get_registry().get("exporter", "onnx").obj
    names = [p.name for p in artifact_files(tmp_path / "big.onnx", onnx_exporter)]
    assert names == ["big.onnx", "big.onnx.data", "big.onnx.json"]
