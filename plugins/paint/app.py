"""``zoo paint``'s page (gradio): a GauGAN-style painter for label-to-image models, and tabs for
SinGAN-like single-image models' samples and image-guided applications. Every output comes from
the pipeline's own methods (:class:`Painter.generate`, ``sample``, ``paint_to_image``, ``edit``,
``harmonize``); the page only moves images between the browser and them."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from zoo.data import read_ids
from zoo.errors import ZooError
from zoo.inference import InferencePipeline
from zoo.registry import Registry

from .canvas import Canvas
from .painter import Painter, id_png, painter_for

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline: no calls home
import gradio as gr  # (after the setting it reads)

VIEW = 400
"""Height in the page of the canvas and the output, in CSS pixels (small maps are enlarged)."""

CSS = (
    "#output img { width: 100% !important; height: 100% !important; object-fit: contain; image-rendering: pixelated; }"
)
"""Outputs enlarged to their box's height, pixels kept sharp as the canvas shows them. (The fill
map is enlarged on the server instead: gradio maps a click on an image enlarged in the page to
no pixel.)"""

SINGLE_IMAGE = ("sample", "paint_to_image", "edit", "harmonize")
"""The methods of a single-image model's pipeline the SinGAN tabs call."""


def build(pipe: InferencePipeline, registry: Registry, title: str, size: tuple[int, int] | None = None) -> gr.Blocks:
    """The page for ``pipe``: the single-image tabs where its pipeline has those methods, else the painter."""
    with gr.Blocks(title=f"zoo paint: {title}") as page:
        gr.Markdown(f"## zoo paint: {title}")
        if all(hasattr(pipe, name) for name in SINGLE_IMAGE):
            single_image_tabs(pipe)
        else:
            label_painter(painter_for(pipe, registry, size))
    return page


def serve(page: gr.Blocks, host: str, port: int) -> None:
    """Serve the page on ``host:port`` until interrupted; errors show in the page."""
    try:
        page.launch(server_name=host, server_port=port, show_error=True, css=CSS, inbrowser=False)
    except OSError as error:
        raise ZooError(f"cannot serve on {host}:{port} ({error}); choose another port with --port") from error


def shown(outputs: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A handler of ``outputs`` outputs whose zoo errors (a bad upload, a value the model does
    not know) reach the page as their one-line message, leaving what the page shows as it was
    (instead of a traceback, or every output marked failed)."""

    def wrap(handler: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(handler)
        def run(*args: Any) -> Any:
            try:
                return handler(*args)
            except ZooError as error:
                gr.Warning(str(error), duration=None, title="zoo")
                return gr.skip() if outputs == 1 else tuple(gr.skip() for _ in range(outputs))

        return run

    return wrap


# --- the label-map painter ---------------------------------------------------------------------


def _hex(colour: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*colour)


def _brush(colour: tuple[int, int, int], size: float) -> gr.Brush:
    """A brush of one class's colour (the page's colour picker off: the class list chooses)."""
    return gr.Brush(colors=[_hex(colour)], default_color=_hex(colour), color_mode="fixed", default_size=int(size))


def _legend(canvas: Canvas) -> str:
    chips = "".join(
        f'<span style="display:inline-block;margin:2px 6px;white-space:nowrap">'
        f'<span style="display:inline-block;width:12px;height:12px;background:{_hex(s.colour)};'
        f'border:1px solid #888;vertical-align:middle"></span> {s.name} ({s.value})</span>'
        for s in canvas.swatches
    )
    return f'<div id="legend" style="font-size:12px;line-height:1.6">{chips}</div>'


def _editor(background: np.ndarray) -> dict[str, Any]:
    return {"background": background, "layers": [], "composite": background}


def styled_classes(painter: Painter) -> list[tuple[int, int]]:
    """(palette index, number of styles) of each class the model learned per-class styles for;
    the don't-care class has none."""
    counts, shift = painter.controls.clusters, painter.pipe.encoding.spec.shift if painter.ids_in else 0
    found = []
    for index, swatch in enumerate(painter.canvas.swatches):
        cls = swatch.value + shift
        if swatch.value != painter.dontcare and 0 <= cls < len(counts):
            found.append((index, int(counts[cls])))
    return found


def label_painter(painter: Painter) -> None:
    """Palette, brush, fill, eraser, uploads, style controls, output and downloads."""
    canvas, controls = painter.canvas, painter.controls
    labels = [canvas.label(i) for i in range(len(canvas.swatches))]
    first = next((i for i, s in enumerate(canvas.swatches) if s.value != painter.dontcare), 0)
    downloads = Path(tempfile.mkdtemp(prefix="zoo-paint-"))
    brush_size = max(2, min(painter.size) // 16)
    zoom = max(1, VIEW // 2 // max(painter.size))  # the fill map's enlargement, in whole pixels

    def fill_map(ids: np.ndarray) -> np.ndarray:
        return canvas.render(ids).repeat(zoom, 0).repeat(zoom, 1)

    def brush(choice: str, size: float) -> gr.ImageEditor:
        return gr.ImageEditor(brush=_brush(canvas.swatches[labels.index(choice)].colour, size))

    def value_of(choice: str) -> int:
        return int(canvas.swatches[labels.index(choice)].value)

    def style_choices(name: str) -> list[str]:
        count = dict(styled_classes(painter))[labels.index(name)]
        return ["random", *map(str, range(count))]

    def result(state: dict, seed: float, photo: Any, clusters: dict) -> tuple[Image.Image, list[str]]:
        image = painter.generate(state["ids"], state["instances"], int(seed), photo, clusters)
        folder = Path(tempfile.mkdtemp(dir=downloads))  # a folder an output: a page never reads a half-written file
        image.save(folder / "result.png")
        (folder / "labels.png").write_bytes(id_png(state["ids"]))
        files = [folder / "result.png", folder / "labels.png"]
        if state["instances"] is not None:
            (folder / "instances.png").write_bytes(id_png(state["instances"]))
            files.append(folder / "instances.png")
        return image, [str(f) for f in files]

    with gr.Row():
        with gr.Column(scale=1, min_width=240):
            choice = gr.Dropdown(labels, value=labels[first], label="Class", elem_id="class", filterable=True)
            size = gr.Slider(
                1, 96, value=brush_size, step=1, label="Brush size (pixels of the map)", elem_id="brush-size"
            )
            if painter.dontcare is not None:
                eraser = gr.Button("Eraser (don't care)", elem_id="eraser")
            gr.HTML(_legend(canvas))
            upload = gr.File(label="Upload a label map (id PNG or colour PNG)", file_types=["image"], elem_id="upload")
            upload_instances = gr.File(
                label="Upload an instance map (id PNG)", file_types=["image"], elem_id="upload-instances",
                visible=painter.ids_in and painter.pipe.encoding.edges,
            )  # fmt: skip
            seed = gr.Number(0, label="Seed (style)", precision=0, visible=controls.seed, elem_id="seed")
            photo = gr.Image(type="pil", label="Style photo", visible=controls.photo, elem_id="style-photo")
            styled = [labels[i] for i, count in styled_classes(painter) if count]
            with gr.Group(visible=bool(styled)):
                cluster_class = gr.Dropdown(
                    styled, value=styled[0] if styled else None, label="Style of class", elem_id="style-class"
                )
                cluster = gr.Dropdown(style_choices(styled[0]) if styled else ["random"], value="random",
                                      label="Style (K-means centre; a style photo replaces these)",
                                      elem_id="style")  # fmt: skip
            clusters = gr.State({})
        with gr.Column(scale=3):
            with gr.Row():
                editor = gr.ImageEditor(
                    value=_editor(canvas.render(painter.start)),
                    type="numpy", image_mode="RGB", format="png", label="Paint", elem_id="canvas",
                    brush=_brush(canvas.swatches[first].colour, brush_size),
                    eraser=False, layers=False, transforms=(), sources=(), fixed_canvas=True, height=VIEW,
                    canvas_size=(painter.size[1], painter.size[0]),
                )  # fmt: skip
                output = gr.Image(
                    type="pil", format="png", label="Output", elem_id="output", interactive=False, height=VIEW
                )
            with gr.Row():
                live = gr.Checkbox(True, label="Update on each stroke", elem_id="live")
                run = gr.Button("Generate", variant="primary", elem_id="generate")
            preview = gr.Image(
                fill_map(painter.start), type="numpy", format="png", interactive=False, elem_id="fill-map",
                label="Fill: click a region to give it the class", height=VIEW // 2 + 40,
            )  # fmt: skip
            files = gr.File(label="Download", file_count="multiple", elem_id="downloads", interactive=False)
    state = gr.State({"ids": painter.start, "instances": None})
    styles = [seed, photo, clusters]

    def redraw(state: dict, is_live: bool, *style: Any, stroke: bool = False) -> tuple:
        """New state, canvas, fill map and (if live) output. After a stroke the canvas keeps its
        strokes over the old background (setting it from its own input event stalls the page),
        which still shows the map: the strokes are in the map now."""
        out = result(state, *style) if is_live else (gr.skip(), gr.skip())
        editor_value = gr.skip() if stroke else _editor(canvas.render(state["ids"]))
        return (state, editor_value, fill_map(state["ids"]), *out)

    @shown(5)
    def on_stroke(value: dict, state: dict, choice: str, is_live: bool, *style: Any) -> tuple:
        before = canvas.render(state["ids"])
        ids = canvas.stroke(state["ids"], before, value["composite"], value_of(choice))
        instances = state["instances"]
        if instances is not None:  # a stroke is an object of its own
            instances = instances.copy()
            instances[ids != state["ids"]] = instances.max() + 1
        return redraw({"ids": ids, "instances": instances}, is_live, *style, stroke=True)

    @shown(5)
    def on_fill(event: gr.SelectData, state: dict, choice: str, is_live: bool, *style: Any) -> tuple:
        x, y = event.index
        ids = canvas.fill(state["ids"], int(x) // zoom, int(y) // zoom, value_of(choice))
        return redraw({"ids": ids, "instances": state["instances"]}, is_live, *style)

    @shown(6)
    def on_upload(file: str | None, state: dict, is_live: bool, *style: Any) -> tuple:
        if file is None:
            return (state, *(gr.skip(),) * 5)
        ids = canvas.read(file)  # a new label map: its instances are its class regions until one is uploaded
        return (*redraw({"ids": ids, "instances": None}, is_live, *style), None)

    @shown(5)
    def on_instances(file: str | None, state: dict, is_live: bool, *style: Any) -> tuple:
        instances = None if file is None else read_ids(Path(file))
        if instances is not None and instances.shape != state["ids"].shape:
            raise ZooError(
                f"{Path(file).name}: the instance map is {instances.shape[1]}x{instances.shape[0]}, the label map "
                f"{state['ids'].shape[1]}x{state['ids'].shape[0]}; upload maps of one size"
            )
        return redraw({"ids": state["ids"], "instances": instances}, is_live, *style)

    @shown(2)
    def on_generate(state: dict, *style: Any) -> tuple:
        return result(state, *style)

    def on_cluster_class(name: str, chosen: dict) -> gr.Dropdown:
        """The styles of the class, showing the one chosen for it."""
        picked = chosen.get(value_of(name))
        return gr.Dropdown(style_choices(name), value="random" if picked is None else str(picked))

    def on_cluster(name: str, centre: str, chosen: dict) -> tuple[dict, Any]:
        """The per-class choice; it replaces a style photo (the model takes one or the other)."""
        chosen = {k: v for k, v in chosen.items() if k != value_of(name)}
        return chosen | ({} if centre == "random" else {value_of(name): int(centre)}), None

    shown_outputs = [state, editor, preview, output, files]
    editor.input(on_stroke, [editor, state, choice, live, *styles], shown_outputs)
    preview.select(on_fill, [state, choice, live, *styles], shown_outputs)
    upload.upload(on_upload, [upload, state, live, *styles], [*shown_outputs, upload_instances])
    upload_instances.upload(on_instances, [upload_instances, state, live, *styles], shown_outputs)
    run.click(on_generate, [state, *styles], [output, files])
    choice.change(brush, [choice, size], editor)
    size.release(brush, [choice, size], editor)
    if painter.dontcare is not None:
        dontcare = labels[[s.value for s in canvas.swatches].index(painter.dontcare)]
        eraser.click(lambda: dontcare, None, choice)
    cluster_class.change(on_cluster_class, [cluster_class, clusters], cluster)
    cluster.input(on_cluster, [cluster_class, cluster, clusters], [clusters, photo])
    photo.upload(lambda: ({}, "random"), None, [clusters, cluster])  # a photo replaces per-class styles
    for control in (seed, photo, clusters):
        control.change(shown(2)(lambda state, is_live, *style: result(state, *style) if is_live else (gr.skip(),) * 2),
                       [state, live, *styles], [output, files])  # fmt: skip


# --- single-image models -----------------------------------------------------------------------


def single_image_tabs(pipe: Any) -> None:
    """Random samples, paint-to-image, editing and harmonization: the pipeline's methods."""
    scales = len(pipe.nets["G"]) if hasattr(pipe.nets["G"], "__len__") else 1
    training = pipe.reconstruct() if hasattr(pipe, "reconstruct") else None
    height, width = pipe.size

    def seed_of(value: float | None) -> int | None:
        return None if value is None else int(value)

    with gr.Tab("Random samples"):
        with gr.Row():
            count = gr.Slider(1, 8, value=4, step=1, label="Samples")
            scale_h = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Height (x training)")
            scale_w = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Width (x training)")
            start = gr.Slider(0, max(scales - 1, 0), value=0, step=1, label="Start scale")
            seed = gr.Number(0, label="Seed", precision=0)
        go = gr.Button("Sample", variant="primary", elem_id="sample")
        gallery = gr.Gallery(label="Samples", columns=4, elem_id="samples", format="png")
        go.click(
            shown(1)(lambda n, h, w, s, seed: pipe.sample(int(n), h, w, int(s), seed_of(seed))),
            [count, scale_h, scale_w, start, seed], gallery,
        )  # fmt: skip

    inject = dict(minimum=1, maximum=max(scales - 1, 1), step=1, label="Injection scale (lower re-imagines more)")
    with gr.Tab("Paint to image"):
        with gr.Row():
            paint = gr.ImageEditor(
                value=_editor(np.asarray(training)) if training is not None else None,
                type="pil", image_mode="RGB", format="png", label="Paint coarse colours", sources=("upload",),
                brush=gr.Brush(default_size=12, color_mode="defaults"), canvas_size=(width, height), fixed_canvas=True,
            )  # fmt: skip
            painted = gr.Image(type="pil", format="png", label="Result", interactive=False, elem_classes="result",
                               height=VIEW)  # fmt: skip
        with gr.Row():
            scale = gr.Slider(value=max(scales // 2, 1), **inject)
            seed_p = gr.Number(0, label="Seed", precision=0)
            go_p = gr.Button("Paint to image", variant="primary")
        go_p.click(shown(1)(lambda v, s, seed: pipe.paint_to_image(_composite(v), int(s), seed_of(seed))),
                   [paint, scale, seed_p], painted)  # fmt: skip

    for tab, method in (("Editing", pipe.edit), ("Harmonization", pipe.harmonize)):
        with gr.Tab(tab):
            gr.Markdown(
                "Upload the edited (or pasted-onto) image, then paint over the region to blend, or upload a mask."
            )
            with gr.Row():
                image = gr.ImageEditor(
                    value=_editor(np.asarray(training)) if training is not None else None,
                    type="pil", image_mode="RGBA", format="png", label="Image; paint the mask on it",
                    sources=("upload",), brush=gr.Brush(colors=["#ff00ff"], color_mode="fixed", default_size=16),
                    canvas_size=(width, height), fixed_canvas=True,
                )  # fmt: skip
                mask = gr.Image(type="pil", image_mode="L", label="Mask (optional: instead of painting)")
                blended = gr.Image(type="pil", format="png", label="Result", interactive=False, elem_classes="result",
                                   height=VIEW)  # fmt: skip
            with gr.Row():
                scale_e = gr.Slider(value=max(scales // 2, 1), **inject)
                seed_e = gr.Number(0, label="Seed", precision=0)
                go_e = gr.Button(tab, variant="primary")
            go_e.click(shown(1)(functools.partial(_blend, method)), [image, mask, scale_e, seed_e], blended)


def _composite(value: dict | None) -> Image.Image:
    if value is None or value.get("composite") is None:
        raise ZooError("nothing painted: paint on the canvas or upload an image first")
    return value["composite"].convert("RGB")


def _blend(method: Callable[..., Any], value: dict | None, mask: Image.Image | None, scale: float, seed: Any) -> Any:
    """``method(image, mask, scale)`` with the background as the image and the painted strokes
    (or the uploaded mask) as the mask."""
    if value is None or value.get("background") is None:
        raise ZooError("upload the image to edit first")
    image = value["background"].convert("RGB")
    if mask is None:
        strokes = [np.asarray(layer.convert("RGBA"))[..., 3] > 0 for layer in value.get("layers") or []]
        if not strokes or not np.any(strokes):
            raise ZooError("no mask: paint over the region to blend, or upload a mask image")
        mask = Image.fromarray((np.any(strokes, axis=0) * 255).astype(np.uint8))
    return method(image, mask, int(scale), None if seed is None else int(seed))
