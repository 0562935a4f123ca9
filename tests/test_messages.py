"""Messages that say what is so and what to do, in one line, and a quiet interface: the card of an
unfinished run, a registered name without a Hub copy, colour label maps, architecture names in any
case, ``zoo bench``'s skip reasons and ONNX Runtime's quantizer noise, ``zoo list``'s summaries, and
the mode of written files."""

from __future__ import annotations

import logging
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import tiny_config
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.convert import convert
from zoo.errors import DataError
from zoo.registry import Registry, get_registry

PARITY = Path(__file__).parent / "data" / "parity"


def one_line(text: str) -> str:
    """What the CLI printed, without the line breaks a terminal's width put in."""
    return " ".join(text.split())


# --- 7. messages that mislead -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stopped_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny pix2pix run stopped at step 3 of its 8 (train.max_iterations=3)."""
    out = tmp_path_factory.mktemp("stopped")
    zoo.train(tiny_config("train.max_iterations=3"), out=out)
    return out


def test_the_card_of_a_stopped_run_says_where_it_stopped_and_why_it_has_no_samples(stopped_run):
    result = CliRunner().invoke(app, ["card", str(stopped_run)])
    assert result.exit_code == 0, result.output
    card = one_line(result.output)
    assert "training stopped at iteration 3 of the 8 in its schedule, at train.max_iterations=3" in card
    assert "not available" not in card  # the data set is the embedded one: it was there
    assert "`zoo push` renders one (samples.png) from items of the data set `synthetic`" in card
    assert "The training run's own grids are in its samples/ folder" in card
    pipe = zoo.load(stopped_run)  # a saved copy keeps the progress in provenance.json
    assert pipe.provenance["training"] == {"step": 3, "phase": "train", "phase_number": 1, "finished": False}


def test_the_card_of_a_finished_run_says_it_was_trained_to_the_end(trained_run, tmp_path):
    card = one_line(str(zoo.load(trained_run).generate_model_card()))
    assert "Trained to the end of its schedule (8 iterations)." in card and "Unfinished" not in card
    assert "No sample grid goes with this card" in card


def test_a_push_that_cannot_open_the_data_set_says_why_there_are_no_samples(trained_run, monkeypatch, tmp_path):
    from zoo.model_cards import render_samples

    registry = get_registry()
    real = registry.create

    def create(kind, name, *args, **options):
        if kind == "dataset":
            raise DataError("/data/facades: no such folder\nsecond line")
        return real(kind, name, *args, **options)

    monkeypatch.setattr(registry, "create", create)
    why = render_samples(zoo.load(trained_run), tmp_path / "samples.png", registry)
    assert why == (
        "No samples were rendered: the data set `synthetic` could not be opened where the model was published "
        "(/data/facades: no such folder)."
    )
    assert not (tmp_path / "samples.png").exists()


def test_a_registered_name_without_its_hub_copy_says_to_convert_the_release_into_your_own_namespace(hub):
    with pytest.raises(zoo.ZooError) as caught:
        zoo.load("spade-cityscapes")
    message = str(caught.value)
    assert "\n" not in message and "does not host" not in message
    assert message.startswith("spade-cityscapes: zoo-gan/spade-cityscapes is not on http://127.0.0.1:")
    assert "cityscapes_pretrained/latest_net_G.pth of NVIDIA's checkpoints.tar.gz" in message
    assert "zoo convert FILES --arch spade --like spade-cityscapes --out DIR, then zoo.load('DIR')" in message
    assert "zoo push DIR YOUR_NAME/spade-cityscapes" in message and "zoo push DIR zoo-gan/" not in message


def tiny_spade(*overrides: str) -> zoo.Pipeline:
    registry = get_registry()
    config = zoo.make_config("spade", overrides=["G.ngf=4", "G.crop_size=64", "D.ndf=4", *overrides])
    arch = registry.get("architecture", "spade").obj
    return arch.pipeline(config, arch.build_nets(config, registry, ["G"]), device="cpu")


def test_an_rgb_label_map_fails_in_one_line_that_says_to_convert_colours_to_ids(tmp_path):
    photo = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "labels_color.png")
    pipe = tiny_spade()
    with pytest.raises(DataError) as caught:
        pipe(tmp_path / "labels_color.png")
    message = str(caught.value)
    assert message == (
        f"{tmp_path / 'labels_color.png'}: a label or instance map must be a single-channel 8- or 16-bit image of "
        f"class ids, got mode RGB; convert its colours to ids first (a data set's colour rendering of its classes "
        f"is not its id map)"
    )
    with pytest.raises(zoo.ZooError, match=r"^the image: .* got mode RGB; convert its colours to ids first"):
        pipe(Image.fromarray(photo))
    with pytest.raises(zoo.ZooError, match=r"^the array: .* got HWC colours of shape \(64, 64, 3\); convert"):
        pipe(photo)  # not 64 label maps of 64 x 3 pixels


def test_an_architecture_named_in_another_case_converts_like_its_registered_name(tmp_path):
    class Named:
        @zoo.hookimpl
        def zoo_pretrained_models(self):
            return {"tiny-spade": zoo.PretrainedModel(repo_id="me/tiny-spade", arch="spade", license="mit")}

    registry = Registry()
    registry.register(Named(), name="test-names")
    settings = ["data.label_nc=6", "model.instance_edges=false"]  # what the parity case's weights leave open
    files = [PARITY / "spade" / "latest_net_G.pth"]
    pipe, _ = convert("SPADE", files, settings, like="tiny-spade", registry=registry)
    assert pipe.config.arch == "spade" and pipe.provenance["license"] == "mit"


# --- 8. a quieter interface ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    registry = get_registry()
    config = zoo.make_config("pix2pix", overrides=["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4"])
    arch = registry.get("architecture", "pix2pix").obj
    pipe = arch.pipeline(config, arch.build_nets(config, registry, ["G"]), device="cpu")
    folder = tmp_path_factory.mktemp("saved") / "model"
    pipe.save_pretrained(folder)
    return folder


def test_zoo_bench_says_why_tensorrt_is_skipped_in_one_short_line(saved_model, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorrt", None)  # `import tensorrt` now raises ImportError
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    command = ["bench", str(saved_model), "--format", "tensorrt", "--repeats", "1", "--warmup", "0"]
    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, command)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    reason = 'tensorrt: skipped, needs the tensorrt package (pip install "zoo-gan[tensorrt]") and a CUDA GPU'
    assert [line for line in lines if line.startswith(reason)] == [f"{reason}, which PyTorch does not see"]
    assert len(lines) <= 12, result.output  # a row a backend, not a column of words


def test_onnx_runtime_quantizer_advice_and_per_weight_notes_are_not_shown(tmp_path, monkeypatch, caplog):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    import onnxruntime.quantization.shape_inference as shape_inference
    from onnx import TensorProto, helper, numpy_helper

    from zoo.exporters.onnx import quantize

    rng = np.random.default_rng(0)
    weight = numpy_helper.from_array(rng.standard_normal((4, 3, 3, 3)).astype(np.float32), "W")
    scale = numpy_helper.from_array(np.ones(4, np.float32), "S")  # a norm's 1-D scale: quantized per tensor
    bias = numpy_helper.from_array(np.zeros(4, np.float32), "B")
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("InstanceNormalization", ["c", "S", "B"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        [weight, scale, bias],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save(model, tmp_path / "fp32.onnx")
    # the pre-processing's mark lost (as some ONNX Runtime builds lose it): the quantizer then
    # advises it before and after quantizing
    monkeypatch.setattr(shape_inference, "quant_pre_process", lambda src, dst, **_: shutil.copyfile(src, dst))
    inputs = [{"x": rng.standard_normal((1, 3, 8, 8)).astype(np.float32)} for _ in range(2)]
    with caplog.at_level(logging.WARNING):
        quantize(tmp_path / "fp32.onnx", tmp_path / "int8.onnx", inputs)
    assert (tmp_path / "int8.onnx").is_file()
    shown = [record.getMessage() for record in caplog.records]
    assert not [m for m in shown if "pre-processing" in m or "out-of-range for weight" in m], shown
    assert logging.getLogger().filters == []  # the filter goes with the quantization


def test_zoo_list_shows_the_singan_group_s_own_summary():
    result = CliRunner().invoke(app, ["list", "command", "singan"])
    assert result.exit_code == 0, result.output
    output = one_line(result.output)
    assert "SinGAN: samples of any size" in output and "Typer" not in output
    assert get_registry().get("command", "singan").summary.startswith("SinGAN: samples of any size")


def test_saved_weights_get_the_mode_every_other_file_gets(saved_model, tmp_path):
    from zoo.files import write_atomic

    old = os.umask(0o022)
    try:
        zoo.load(saved_model).save_pretrained(tmp_path / "again")
        written = write_atomic(tmp_path / "atomic.json", "{}")
    finally:
        os.umask(old)
    modes = {p.name: p.stat().st_mode & 0o777 for p in [*(tmp_path / "again").iterdir(), written]}
    assert modes == {"config.json": 0o644, "model.safetensors": 0o644, "README.md": 0o644, "atomic.json": 0o644}
