"""Inference: zoo.load gives an eval-mode pipeline for PIL images, arrays, tensors and paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import HD_TINY, SPADE_TINY, random_pipeline, write_image
from PIL import Image
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.errors import CheckpointError, ZooError
from zoo.images import to_batch
from zoo.plugins.pix2pix.pipeline import Pix2PixPipeline


def test_load_a_run_folder_and_translate_every_kind_of_input(trained_run, tmp_path):
    pipe = zoo.load(trained_run)
    assert isinstance(pipe, Pix2PixPipeline) and pipe.device.type == "cpu"
    assert not pipe.nets.training
    array = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    image = Image.fromarray(array)
    out = pipe(image)
    assert isinstance(out, Image.Image) and out.size == (32, 32)
    assert np.array_equal(np.asarray(out), pipe(array, output_type="np"))
    as_float = torch.from_numpy(array).permute(2, 0, 1).float() / 255
    assert torch.allclose(
        pipe(as_float, output_type="pt") * 255, torch.from_numpy(np.array(out)).permute(2, 0, 1).float(), atol=1
    )
    batch = pipe([image, image])
    assert isinstance(batch, list) and len(batch) == 2
    assert pipe(torch.stack([as_float, as_float]), output_type="pt").shape == (2, 3, 32, 32)
    path = tmp_path / "in.png"
    image.save(path)
    assert np.array_equal(np.asarray(pipe(path)), np.asarray(out))


def tiny_pix2pix(*overrides: str) -> Pix2PixPipeline:
    """An untrained 6-level U-Net pipeline whose batch norms hold running statistics unlike any
    batch's (so that running and batch statistics give different outputs)."""
    cfg = zoo.make_config("pix2pix", overrides=["G.name=unet", "G.num_downs=6", "G.ngf=4", *overrides])
    arch = zoo.get_registry().get("architecture", "pix2pix").obj
    torch.manual_seed(0)
    pipe = arch.pipeline(cfg, arch.build_nets(cfg, zoo.get_registry(), ["G"]), device="cpu")
    with torch.no_grad():
        for m in pipe.nets.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-1, 1), m.running_var.uniform_(0.5, 2)
    return pipe


def test_eval_mode_is_deterministic_and_paper_mode_keeps_dropout_on_and_running_statistics_untouched():
    pipe = tiny_pix2pix()
    image = torch.rand(3, 64, 64)
    assert torch.equal(pipe(image, output_type="pt"), pipe(image, output_type="pt"))
    stats = {k: v.clone() for k, v in pipe.nets.state_dict().items()}
    pipe.test_mode = "paper"
    torch.manual_seed(0)
    first = pipe(torch.stack([image, image]), output_type="pt")
    assert not torch.equal(first[0], first[1])  # dropout differs per sample
    assert all(torch.equal(v, pipe.nets.state_dict()[k]) for k, v in stats.items() if "num_batches" not in k)
    assert not pipe.nets.training


def test_in_paper_mode_an_images_output_depends_on_the_rest_of_its_batch_and_in_eval_mode_not():
    """Batch statistics (dropout off, so they are the only thing that can couple the images)."""
    pipe = tiny_pix2pix("G.use_dropout=false")
    a, b, c = torch.rand(3, 3, 64, 64)
    alone = pipe(a, output_type="pt")
    with_b, with_c = pipe(torch.stack([a, b]), output_type="pt")[0], pipe(torch.stack([a, c]), output_type="pt")[0]
    assert torch.allclose(with_b, alone, atol=1e-6) and torch.allclose(with_c, alone, atol=1e-6)
    pipe.test_mode = "paper"
    with_b, with_c = pipe(torch.stack([a, b]), output_type="pt")[0], pipe(torch.stack([a, c]), output_type="pt")[0]
    assert (with_b - with_c).abs().max() > 1e-2
    assert torch.equal(pipe(torch.stack([a, b]), output_type="pt")[0], with_b)  # no dropout: the same batch, the same


@pytest.mark.parametrize("mode", ["eval", "paper"])
def test_batch_norm_uses_the_batchs_mean_and_biased_variance_in_paper_mode_and_the_running_ones_in_eval(mode):
    """The first batch norm's output, recomputed by hand from its input."""
    pipe = tiny_pix2pix("G.use_dropout=false")
    pipe.test_mode = mode
    norm = next(m for m in pipe.nets["G"].modules() if isinstance(m, torch.nn.BatchNorm2d))
    seen = []
    hook = norm.register_forward_hook(lambda module, inputs, output: seen.append((inputs[0].clone(), output.clone())))
    pipe(torch.rand(3, 3, 64, 64), output_type="pt")
    hook.remove()
    [(x, y)] = seen
    if mode == "paper":
        mean, var = x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)
    else:
        mean, var = norm.running_mean, norm.running_var
    expected = (x - mean.view(1, -1, 1, 1)) / torch.sqrt(var.view(1, -1, 1, 1) + 1e-5)
    expected = expected * norm.weight.view(1, -1, 1, 1) + norm.bias.view(1, -1, 1, 1)
    assert torch.allclose(y, expected, atol=1e-5)


def test_sizes_the_generator_cannot_take_fail_clearly(trained_run):
    pipe = zoo.load(trained_run, device="cpu")
    with pytest.raises(ZooError, match="input of 40x32 pixels: unet needs width and height that are multiples of 32"):
        pipe(torch.rand(3, 32, 40))
    with pytest.raises(ZooError, match="one size"):
        pipe([torch.rand(3, 32, 32), torch.rand(3, 64, 64)])
    with pytest.raises(ZooError, match="cannot use dict as an image"):
        pipe({"not": "an image"})


def test_save_pretrained_round_trips(trained_run, tmp_path):
    pipe = zoo.load(trained_run, device="cpu")
    pipe.save_pretrained(tmp_path / "model")
    assert {"config.json", "model.safetensors"} <= {p.name for p in (tmp_path / "model").iterdir()}
    again = zoo.Pipeline.from_pretrained(tmp_path / "model")
    assert isinstance(again, Pix2PixPipeline)
    assert again.config.to_dict() == pipe.config.to_dict()
    x = torch.rand(2, 3, 32, 32)
    assert torch.equal(again(x, output_type="pt"), pipe(x, output_type="pt"))
    assert set(load_file(tmp_path / "model" / "model.safetensors")) == {f"G.{k}" for k in pipe.nets["G"].state_dict()}


def test_loading_is_strict_and_names_the_keys(trained_run, tmp_path):
    folder = tmp_path / "model"
    zoo.load(trained_run, device="cpu").save_pretrained(folder)
    weights = load_file(folder / "model.safetensors")
    weights["G.extra"] = torch.zeros(1)
    del weights["G.model.model.0.weight"]
    save_file(weights, folder / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"missing keys: G\.model\.model\.0\.weight; unexpected keys: G\.extra"):
        zoo.load(folder)
    (folder / "model.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        zoo.load(folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ZooError, match="not a saved model, run or checkpoint folder"):
        zoo.load(tmp_path / "empty")


def test_zoo_generate_translates_a_folder(trained_run, tmp_path):
    for i in range(3):
        write_image(tmp_path / "in" / f"img{i}.jpg", 32, 32, seed=i)
    args = ["generate", "--model", str(trained_run), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    outs = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert outs == ["img0.png", "img1.png", "img2.png"]
    assert Image.open(tmp_path / "out" / "img0.png").size == (32, 32)


RGBA = np.array([[[200, 100, 50, 0], [10, 200, 30, 128]], [[255, 0, 0, 255], [0, 0, 255, 7]]], dtype=np.uint8)
"""Pixels with distinct channels and alpha: any channel swapped, kept or blended shows."""
LUMA = np.array([[124.2, 123.81], [76.245, 29.07]])
"""0.299 R + 0.587 G + 0.114 B of ``RGBA``'s pixels, worked out by hand (ITU-R 601-2, PIL's L)."""
GREY = np.array([[0, 37], [200, 255]], dtype=np.uint8)


def _chw(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(array.astype(np.float64)).float().permute(2, 0, 1) / 255


@pytest.mark.parametrize("as_pil", [False, True], ids=["array", "pil"])
def test_grey_is_repeated_and_alpha_dropped_for_an_rgb_model(as_pil):
    grey = Image.fromarray(GREY, "L") if as_pil else GREY
    rgba = Image.fromarray(RGBA, "RGBA") if as_pil else RGBA
    batch, single = to_batch(grey, channels=3)
    assert single and torch.equal(batch[0], _chw(np.stack([GREY] * 3, axis=-1)))
    assert torch.equal(to_batch(rgba, channels=3)[0][0], _chw(RGBA[..., :3]))
    assert torch.equal(to_batch(torch.from_numpy(GREY)[None] / 255, channels=3)[0][0], _chw(np.stack([GREY] * 3, -1)))


def test_rgb_and_rgba_turn_grey_with_the_luma_weights_for_a_grey_model():
    """Arrays and tensors are weighted in floating point; PIL images are converted by PIL, which
    rounds to 8 bits (none of these pixels is near a half)."""
    expected = torch.from_numpy(LUMA).float()[None] / 255
    for image in (RGBA, RGBA[..., :3], torch.from_numpy(RGBA).permute(2, 0, 1) / 255):
        assert torch.allclose(to_batch(image, channels=1)[0][0], expected, atol=1e-6)
    for mode in ("RGB", "RGBA"):
        pil = Image.fromarray(RGBA if mode == "RGBA" else RGBA[..., :3], mode)
        assert torch.equal(to_batch(pil, channels=1)[0][0], torch.from_numpy(LUMA.round()).float()[None] / 255)


def test_the_pipeline_feeds_its_generator_the_converted_image_in_minus_one_to_one(trained_run):
    """What reaches the RGB generator for a grey and an RGBA image: the conversions above, then 2x - 1."""
    pipe = zoo.load(trained_run, device="cpu")
    seen = []
    pipe.nets["G"].register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0].clone()))
    grey, rgba = np.tile(GREY, (16, 16)), np.tile(RGBA, (16, 16, 1))  # 32x32, as the model takes
    pipe(Image.fromarray(grey, "L"))
    pipe(Image.fromarray(rgba, "RGBA"))
    assert torch.equal(seen[0][0], _chw(np.stack([grey] * 3, axis=-1)) * 2 - 1)
    assert torch.equal(seen[1][0], _chw(rgba[..., :3]) * 2 - 1)


def test_inputs_the_generator_cannot_take_are_refused_clearly(trained_run):
    pipe = zoo.load(trained_run, device="cpu")
    with pytest.raises(ZooError, match=r"image arrays are HWC, got shape \(3, 32, 32\): transpose it to \(32, 32, 3\)"):
        pipe(np.zeros((3, 32, 32), dtype=np.uint8))
    with pytest.raises(ZooError, match=r"float images must lie in \[0, 1\], got values in \[255, 255\]"):
        pipe(np.full((32, 32, 3), 255.0, dtype=np.float32))
    with pytest.raises(ZooError, match="no images given"):
        pipe([])
    with pytest.raises(ZooError, match="test_mode 'foo' is not one of eval, paper"):
        pipe.test_mode = "foo"


def _conv_outputs(pipe) -> list[torch.dtype]:
    """The dtypes every convolution of ``pipe`` outputs from now on, as a list that fills."""
    seen: list[torch.dtype] = []
    for layer in pipe.nets.modules():
        if isinstance(layer, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
            layer.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    return seen


def test_bf16_with_channels_last_computes_the_convolutions_in_bf16_and_fp32_again_gives_the_same_output():
    pipe = tiny_pix2pix()
    image = torch.rand(3, 64, 64)
    fp32 = pipe(image, output_type="pt")
    seen = _conv_outputs(pipe.to(precision="bf16", channels_last=True))
    weights = [m.weight for m in pipe.nets.modules() if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d)]
    assert all(w.is_contiguous(memory_format=torch.channels_last) for w in weights)
    bf16 = pipe(image, output_type="pt")
    assert seen and set(seen) == {torch.bfloat16} and bf16.dtype == torch.float32
    mse = float(((bf16 - fp32) ** 2).mean())  # images in [0, 1]
    assert mse > 0 and 10 * np.log10(1 / mse) > 30  # another answer, close to fp32's
    seen.clear()
    pipe.to(precision="fp32", channels_last=False)
    assert torch.equal(pipe(image, output_type="pt"), fp32) and set(seen) == {torch.float32}
    with pytest.raises(ZooError, match=r"precision='fp8': choose one of fp32, bf16, fp16"):
        pipe.to(precision="fp8")


@pytest.mark.parametrize(
    ("arch", "overrides", "photo"),
    [("spade", SPADE_TINY, False), ("pix2pixhd", [*HD_TINY, "model.instance_features=true"], True)],
    ids=["spade", "pix2pixhd-style-photo"],
)
def test_a_familys_own_methods_run_in_the_pipelines_precision_and_return_fp32(arch, overrides, photo):
    pipe = random_pipeline(arch, overrides)
    labels = torch.randint(0, 4, (1, 1, 64, 64))
    style = {"style": torch.rand(1, 3, 64, 64) * 2 - 1} if photo else {}  # the encoder's features, in bf16
    seen = _conv_outputs(pipe.to(precision="bf16"))
    out = pipe.synthesize(labels, labels, **style)  # (the tiny models saturate: closeness is the test above's)
    assert set(seen) == {torch.bfloat16} and out.dtype == torch.float32 and torch.isfinite(out).all()


def test_an_exported_graph_refuses_bf16_and_channels_last(monkeypatch):
    pipe = tiny_pix2pix()
    monkeypatch.setattr(Pix2PixPipeline, "exported", property(lambda self: True))
    for option in ({"precision": "bf16"}, {"channels_last": True}):
        with pytest.raises(ZooError, match="an exported graph runs in the precision and layout it was exported in"):
            pipe.to(**option)
    assert pipe.to(precision="fp32").precision == "fp32"


def test_zoo_generate_with_bf16_and_channels_last_writes_what_the_pipeline_gives(trained_run, tmp_path):
    write_image(tmp_path / "in.png", 32, 32)
    args = ["generate", "-m", str(trained_run), "-i", str(tmp_path / "in.png"), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*args, "--precision", "bf16", "--channels-last"])
    assert result.exit_code == 0, result.output
    expected = zoo.load(trained_run).to(precision="bf16", channels_last=True)(tmp_path / "in.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out" / "in.png")), np.asarray(expected))
    result = CliRunner().invoke(app, [*args, "--precision", "int4"])
    assert isinstance(result.exception, ZooError) and "precision='int4': choose one of" in str(result.exception)
