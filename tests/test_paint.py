"""``zoo paint``: the painter's label maps (strokes, fills, uploads and their messages), its
outputs equal to the pipelines', and the page driven end to end in a real, headless Chromium."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import HD_TINY, QUIET, SPADE_TINY, random_pipeline
from PIL import Image

import zoo
from zoo.data import LabelSpec
from zoo.errors import DataError
from zoo.plugins.datasets.synthetic import SyntheticScenes
from zoo.plugins.paint.canvas import Canvas
from zoo.plugins.paint.painter import id_png, painter_for

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def synthetic_canvas() -> Canvas:
    return Canvas(SyntheticScenes.label_spec({}).swatches())


def test_a_map_renders_in_the_official_colours_and_reads_back_from_colour_and_id_pngs(tmp_path):
    canvas = synthetic_canvas()
    assert [s.name for s in canvas.swatches] == ["sky", "grass", "disc", "brick", "tree", "road"]
    ids = np.array([[0, 1, 2], [3, 4, 5]])
    colours = canvas.render(ids)
    assert colours[0, 0].tolist() == [70, 130, 180] and colours[1, 2].tolist() == [190, 153, 153]
    Image.fromarray(colours).save(tmp_path / "colour.png")
    (tmp_path / "ids.png").write_bytes(id_png(ids))
    assert np.array_equal(canvas.read(tmp_path / "colour.png"), ids)
    assert np.array_equal(canvas.read(tmp_path / "ids.png"), ids)
    wide = np.array([[0, 300], [70000 % 65536, 2]])
    assert Image.open(io.BytesIO(id_png(wide))).mode.startswith("I")  # 16 bit where 8 do not hold the ids
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(id_png(wide)))), wide)


def test_a_photo_or_an_unknown_class_is_refused_in_one_line_naming_the_file(tmp_path):
    canvas = synthetic_canvas()
    photo = np.random.default_rng(0).integers(0, 255, (16, 16, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "holiday.png")
    with pytest.raises(DataError, match=r"^holiday\.png: \d+% of its pixels are no class colour of this model's"):
        canvas.read(tmp_path / "holiday.png")
    (tmp_path / "labels.png").write_bytes(id_png(np.array([[0, 9], [1, 1]])))
    with pytest.raises(DataError, match=r"^labels\.png \(label map\): label value 9 \(at x=1, y=0\) is not one of"):
        canvas.read(tmp_path / "labels.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(DataError, match=r"^notes\.png: not an image"):
        canvas.read(tmp_path / "notes.png")


def test_a_stroke_paints_its_class_where_the_canvas_changed_and_a_fill_takes_one_region():
    canvas = synthetic_canvas()
    ids = np.zeros((4, 6), dtype=np.int64)
    ids[:, 3:] = 1
    before = canvas.render(ids)
    after = before.copy()
    after[1, 1:5] = (1, 2, 3)  # the brush's colour does not matter: the chosen class does
    painted = canvas.stroke(ids, before, after, 5)
    assert painted[1].tolist() == [0, 5, 5, 5, 5, 1] and np.array_equal(painted[[0, 2, 3]], ids[[0, 2, 3]])
    filled = Canvas.fill(painted, x=0, y=0, value=2)  # the left region around the stroke, not the right
    assert (filled[:, :3][painted[:, :3] == 0] == 2).all() and (filled[painted == 1] == 1).all()
    assert (filled[painted == 5] == 5).all()


def test_a_data_set_without_a_palette_gets_numbered_classes_and_a_dont_care_swatch():
    swatches = LabelSpec(3, dontcare=255, shift=0).swatches()
    assert [(s.value, s.name) for s in swatches] == [
        (0, "class 0"),
        (1, "class 1"),
        (2, "class 2"),
        (255, "don't care"),
    ]
    assert len({s.colour for s in swatches}) == 4


def test_the_painters_output_is_the_pipelines_for_the_same_map_seed_and_style(tmp_path):
    registry = zoo.get_registry()
    ids = SyntheticScenes(size=64, num_samples=1)[0]["label"][0].numpy()
    spade = random_pipeline("spade", [*SPADE_TINY, "G.use_vae=true"])
    painter = painter_for(spade, registry)
    assert painter.controls.seed and painter.controls.photo and painter.start.shape == (64, 64)
    assert np.array_equal(np.asarray(painter.generate(ids, seed=3)), np.asarray(spade(ids, seed=3)))
    assert not np.array_equal(np.asarray(painter.generate(ids, seed=3)), np.asarray(painter.generate(ids, seed=4)))
    photo = Image.fromarray(
        SyntheticScenes(size=64, num_samples=2)[1]["target"].add(1).mul(127.5).byte().permute(1, 2, 0).numpy()
    )
    assert np.array_equal(np.asarray(painter.generate(ids, photo=photo)), np.asarray(spade(ids, style=photo)))

    pix2pix = random_pipeline(
        "pix2pix", ["G.name=unet", "G.num_downs=5", "G.ngf=4", "D.ndf=4", "data.size=64"]
    )  # trained on the label colours
    colours = painter_for(pix2pix, registry)
    assert not colours.ids_in
    expected = pix2pix(Image.fromarray(colours.canvas.render(ids)))
    assert np.array_equal(np.asarray(colours.generate(ids)), np.asarray(expected))

    zoo.export(spade, "onnx", tmp_path / "spade.onnx")  # painting on ONNX Runtime
    graph = zoo.load(tmp_path / "spade.onnx", device="cpu")
    onnx_painter = painter_for(graph, registry)
    assert np.array_equal(np.asarray(onnx_painter.generate(ids, seed=3)), np.asarray(graph(ids, seed=3)))


def test_pix2pixhd_per_class_styles_are_every_instance_of_the_class_given_that_style():
    hd = random_pipeline("pix2pixhd", [*HD_TINY, "model.instance_features=true"])
    encoder = hd.nets["E"]
    with torch.no_grad():
        encoder.counts[:] = 3
        encoder.centres.normal_()
    scene = SyntheticScenes(size=32, num_samples=1)[0]
    ids, instances = scene["label"][0].numpy(), scene["instance"][0].numpy()
    controls = hd.style_controls()
    assert controls.seed and controls.photo and controls.clusters == (3,) * 6
    houses = {int(i): 2 for i in np.unique(instances[ids == 3])}
    chosen = hd.paint(ids, instances, clusters={3: 2}, seed=1)
    assert np.array_equal(np.asarray(chosen), np.asarray(hd(ids, instances, style=houses, seed=1)))
    assert not np.array_equal(np.asarray(chosen), np.asarray(hd.paint(ids, instances, clusters={3: 0}, seed=1)))


def test_a_model_without_classes_is_refused_by_name():
    from zoo.plugins.paint.painter import painter_for

    pipe = random_pipeline("pix2pix", ["G.ngf=4", "D.ndf=4"])
    pipe.config.data.name = "aligned"
    with pytest.raises(zoo.ZooError, match=r"trained on 'aligned', which has no classes to paint"):
        painter_for(pipe, zoo.get_registry())


def test_the_single_image_tabs_blend_by_the_painted_strokes_as_pipe_edit_does(tmp_path):
    pytest.importorskip("gradio")
    from zoo.plugins.datasets.single_image import DEFAULT
    from zoo.plugins.paint.app import _blend, build

    Image.open(DEFAULT).convert("RGB").resize((40, 30)).save(tmp_path / "tiny.png")
    singan = random_pipeline("singan", [f"data.path={tmp_path / 'tiny.png'}", "G.nfc=8", "G.min_nfc=8"])
    build(singan, zoo.get_registry(), "tiny")  # the tabs are built from the pipeline's methods
    image = singan.reconstruct()
    layer = np.zeros((*singan.size, 4), dtype=np.uint8)
    layer[5:15, 10:25, 3] = 255
    mask = Image.fromarray(layer[..., 3])
    value = {"background": image.convert("RGBA"), "layers": [Image.fromarray(layer)], "composite": image}
    got = _blend(singan.edit, value, None, 1, 7)
    assert np.array_equal(np.asarray(got), np.asarray(singan.edit(image, mask, 1, 7)))
    with pytest.raises(zoo.ZooError, match="no mask: paint over the region"):
        _blend(singan.harmonize, {"background": image, "layers": []}, None, 1, 7)


# --- the page in a real browser ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serving(tmp_path: Path, arch: str, overrides: list[str]):
    """``zoo paint`` on a tiny model of ``arch`` trained here, on a free loopback port."""
    pytest.importorskip("gradio")
    if not Path(CHROMIUM).exists():
        pytest.skip("no Chromium: apt-get install -y chromium (Debian's package) to drive the page")
    zoo.train(zoo.make_config(arch, overrides=[*overrides, *QUIET]), out=tmp_path / "run")
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    command = [sys.executable, "-m", "zoo", "paint", str(tmp_path / "run" / "model"), "--port", str(port)]
    log = (tmp_path / "paint.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"zoo paint did not start: {(tmp_path / 'paint.log').read_text()[-2000:]}")
                time.sleep(0.5)
        yield url, tmp_path / "run" / "model"
    finally:
        server.terminate()
        server.wait(30)
        log.close()


@pytest.fixture
def served(tmp_path):
    """A tiny SPADE with the VAE, painted."""
    yield from serving(tmp_path, "spade", [*SPADE_TINY, "G.use_vae=true"])


@pytest.fixture
def served_styles(tmp_path):
    """A tiny pix2pixHD with instance features and their per-class styles, painted."""
    yield from serving(tmp_path, "pix2pixhd", [*HD_TINY, "model.instance_features=true"])


@contextlib.contextmanager
def browser_page(url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.locator("#canvas canvas").first.wait_for()
        page.wait_for_timeout(1500)
        try:
            yield page
        finally:
            browser.close()


def stroke(page, y: float) -> None:
    """A horizontal stroke across the middle of the canvas at height ``y`` (0..1)."""
    box = page.locator("#canvas canvas").first.bounding_box()
    x0, x1, height = box["x"] + box["width"] * 0.3, box["x"] + box["width"] * 0.7, box["y"] + box["height"] * y
    page.mouse.move(x0, height)
    page.mouse.down()
    for k in range(21):
        page.mouse.move(x0 + (x1 - x0) * k / 20, height)
    page.mouse.up()


def fetched(page, locator) -> bytes:
    return page.request.get(locator.get_attribute("src") or locator.get_attribute("href")).body()


def output_after(page, previous: str | None) -> str:
    """The output image's address once it differs from ``previous``."""
    image = page.locator("#output img")
    for _ in range(120):
        src = image.get_attribute("src") if image.count() else None
        if src and src != previous:
            return src
        page.wait_for_timeout(250)
    raise AssertionError("the output did not update after the stroke")


def choose(page, name: str, field: str = "#class") -> None:
    """Pick ``name`` in the dropdown ``field`` by typing it, as a user filters a long list."""
    box = page.locator(f"{field} input")
    box.click()
    box.fill(name)
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)


def shown_image(page, src: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(page.request.get(src).body())))


def test_zoo_paint_in_chromium_strokes_of_two_classes_and_the_pipelines_output(served, tmp_path):
    url, model = served
    with browser_page(url) as page:
        choose(page, "sky")
        stroke(page, 0.75)  # sky over the grass
        first = output_after(page, None)
        first_image = np.asarray(Image.open(io.BytesIO(page.request.get(first).body())))
        choose(page, "road")
        stroke(page, 0.2)  # road through the sky
        second = output_after(page, first)
        output = np.asarray(Image.open(io.BytesIO(page.request.get(second).body())))
        assert not np.array_equal(output, first_image)
        choose(page, "brick")
        fill_map = page.locator("#fill-map img")
        box = fill_map.bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.15)  # fill the top left
        third = output_after(page, second)
        output = np.asarray(Image.open(io.BytesIO(page.request.get(third).body())))

        labels = page.locator("#downloads a[download='labels.png']")
        ids = np.asarray(Image.open(io.BytesIO(fetched(page, labels)))).astype(np.int64)
        start = SyntheticScenes(size=64, num_samples=8)[0]["label"][0].numpy()  # the page's first map
        assert (ids == 1).sum() < (start == 1).sum() and (ids == 5).sum() > (start == 5).sum()  # sky on grass, road
        assert ids[1, 1] == 3  # and the fill
        expected = np.asarray(zoo.load(model, device="cpu")(ids, seed=0))
        assert np.abs(output.astype(int) - expected.astype(int)).max() <= 1  # other process, same pipeline
        screenshot = tmp_path / "zoo-paint.png"
        page.wait_for_timeout(2000)  # the canvas redrawn after the fill
        page.screenshot(path=str(screenshot), full_page=True)
        if os.environ.get("ZOO_SCREENSHOT_DIR"):  # how README's screenshot is taken
            shutil.copyfile(screenshot, Path(os.environ["ZOO_SCREENSHOT_DIR"]) / "zoo-paint.png")

        photo = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(photo).save(tmp_path / "holiday.png")
        page.locator("#upload input[type=file]").set_input_files(str(tmp_path / "holiday.png"))
        message = page.get_by_text("holiday.png: ", exact=False).first
        message.wait_for(timeout=30000)
        assert "no class colour of this model's palette" in message.inner_text()
        (tmp_path / "unknown.png").write_bytes(id_png(np.full((64, 64), 9)))
        page.locator("#upload button[aria-label='Clear']").first.click()  # the refused file leaves the box
        page.locator("#upload input[type=file]").set_input_files(str(tmp_path / "unknown.png"))
        unknown = page.get_by_text("label value 9", exact=False).first
        unknown.wait_for(timeout=30000)
        assert "Traceback" not in page.content()


def test_without_gradio_zoo_paint_says_how_to_install_it(monkeypatch, trained_run):
    import importlib.util

    from typer.testing import CliRunner

    from zoo.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gradio" else real(name, *a))
    result = CliRunner().invoke(app, ["paint", str(trained_run / "model")])
    assert result.exit_code != 0
    assert "zoo paint needs gradio, which is not installed: pip install 'zoo-gan[paint]'" in str(result.exception)


def test_zoo_paint_in_chromium_chooses_a_class_style_and_takes_an_instance_map(served_styles, tmp_path):
    url, model = served_styles
    pipe = zoo.load(model, device="cpu")
    scene = SyntheticScenes(size=32, num_samples=8)[0]  # the page's first map
    ids, instances = scene["label"][0].numpy(), scene["instance"][0].numpy()
    with browser_page(url) as page:
        styled = page.locator("#style-class input").input_value()  # the first class that learned styles
        value = int(styled.rsplit("(", 1)[1].rstrip(")"))
        page.locator("#generate").click()
        plain = output_after(page, None)
        choose(page, "0", field="#style")
        chosen = output_after(page, plain)
        expected = np.asarray(pipe.paint(ids, clusters={value: 0}, seed=0))
        assert np.abs(shown_image(page, chosen).astype(int) - expected.astype(int)).max() <= 1

        (tmp_path / "instances.png").write_bytes(id_png(instances))
        page.locator("#upload-instances input[type=file]").set_input_files(str(tmp_path / "instances.png"))
        with_instances = output_after(page, chosen)
        expected = np.asarray(pipe.paint(ids, instances, clusters={value: 0}, seed=0))
        assert np.abs(shown_image(page, with_instances).astype(int) - expected.astype(int)).max() <= 1
