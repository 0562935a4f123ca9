"""``zoo generate``: run a trained model over an image or a folder of images.

Nothing is written until every input has been checked: each file is decoded and its size
compared with what the model takes (and each instance map with its label map), so a bad file
fails the command before any output exists, by name. Each output is written atomically."""

from __future__ import annotations

import inspect
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zoo.cli.app import app
from zoo.errors import DataError, ZooError

if TYPE_CHECKING:
    from zoo.inference import InferencePipeline


@app.command("generate")
def generate_command(
    model: Annotated[Path, typer.Option("--model", "-m", help="Run folder, checkpoint or saved model folder.")],
    input: Annotated[Path, typer.Option("--input", "-i", help="An image file or a folder of images.")],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="Folder for the results, NAME.png per input (not the input folder); inputs sharing a name "
            "(x.png, x.jpg) keep their extension: x.png.png, x.jpg.png.",
        ),
    ],
    device: Annotated[
        str | None, typer.Option("--device", help="cpu, cuda, cuda:1, mps; default: the best available.")
    ] = None,
    test_mode: Annotated[
        str | None, typer.Option("--test-mode", help="Pipelines with test modes: eval (default) or paper.")
    ] = None,
    instance: Annotated[
        Path | None,
        typer.Option("--instance", help="Label-map models: an instance map, or a folder of them named as the inputs."),
    ] = None,
    precision: Annotated[
        str,
        typer.Option(help="fp32, or bf16 (CPUs with AMX/AVX-512 BF16) / fp16 (GPUs): faster, slightly other outputs."),
    ] = "fp32",
    channels_last: Annotated[
        bool, typer.Option("--channels-last", help="NHWC weights: faster convolutions, with --precision most of all.")
    ] = False,
) -> None:
    """Translate images (or label maps) with a trained model.

    Every input is checked (decoded, its size compared with what the model takes) before anything is written.

    Models that make images from noise alone take no input images: their family's own command
    (`zoo list command`) samples them."""
    from zoo.data import list_images
    from zoo.loading import load

    pipe = load(model, device=device).to(precision=precision, channels_last=channels_last)  # type: ignore[arg-type]
    _require_image_input(pipe, model, output)
    if instance is not None and "instances" not in inspect.signature(pipe.__call__).parameters:
        raise ZooError(f"{pipe.config.arch} models take no instance maps; drop --instance")
    if test_mode:
        if not isinstance(getattr(type(pipe), "test_mode", None), property):
            raise ZooError(f"{pipe.config.arch} pipelines have no test modes; drop --test-mode")
        pipe.test_mode = test_mode
    files = [input] if input.is_file() else list_images(input)
    partners = {path: None if instance is None else _partner(instance, path) for path in files}
    names = output_names(files)
    _refuse_overwrites(input, output, files, partners, names)
    from rich.progress import track

    for path in track(files, description="checking", transient=True):
        _check(pipe, path, partners[path])
    output.mkdir(parents=True, exist_ok=True)
    from zoo.files import write_atomic

    for path in track(files, description="generating", transient=True):
        extra = {} if partners[path] is None else {"instances": partners[path]}
        try:
            image = pipe(path, **extra)
        except Exception as exc:
            raise _naming(exc, path) from exc
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        write_atomic(output / names[path], buffer.getvalue())
    typer.echo(f"wrote {len(files)} image(s) to {output}")


def output_names(files: Sequence[Path]) -> dict[Path, str]:
    """The output file name of each input: ``stem.png``; inputs whose stems clash (``x.png`` and
    ``x.jpg``, in any case, for folders on case-insensitive disks) keep their extension
    (``x.png.png``, ``x.jpg.png``), and a name still taken gets a number (``x.jpg_1.png``). Each
    renamed group is printed."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(path.stem.casefold(), []).append(path)
    names: dict[Path, str] = {}
    taken = {group[0].stem.casefold() + ".png" for group in groups.values() if len(group) == 1}
    for group in groups.values():
        if len(group) == 1:
            names[group[0]] = f"{group[0].stem}.png"
            continue
        for path in group:
            base, number = path.name, 0
            while f"{base}.png".casefold() in taken:
                number += 1
                base = f"{path.name}_{number}"
            names[path] = f"{base}.png"
            taken.add(names[path].casefold())
        written = ", ".join(f"{p.name} -> {names[p]}" for p in group)
        typer.echo(f"inputs share the name {group[0].stem!r}, so they keep their extension: {written}")
    return names


def _require_image_input(pipe: InferencePipeline, model: Path, output: Path) -> None:
    """Refuse a pipeline whose call takes no image (SinGAN's makes ``n`` samples from noise),
    naming the command that serves its family."""
    if pipe.takes_images:
        return
    arch = pipe.config.arch
    from zoo.registry import get_registry

    if any(entry.name == arch for entry in get_registry().entries("command")):
        hint = f"`zoo {arch} --help` lists the commands that make its images"
    else:
        hint = "load it with zoo.load and call the pipeline's own methods"
    raise ZooError(f"{model} is a {arch} model, which makes images from noise and takes no input images; {hint}")


def _partner(instance: Path, path: Path) -> Path:
    """The instance map for input ``path``: ``instance`` itself, or its file of the same stem."""
    if instance.is_file():
        return instance
    if not instance.is_dir():
        raise ZooError(f"{instance}: no such file or folder (--instance: an instance map or a folder of them)")
    found = sorted(instance.glob(f"{path.stem}.*"))
    if not found:
        raise ZooError(f"{path}: no instance map named {path.stem}.* in {instance}")
    return found[0]


def _refuse_overwrites(
    input: Path, output: Path, files: Sequence[Path], partners: dict[Path, Path | None], names: dict[Path, str]
) -> None:
    """Refuse an output folder that is the input folder, or an output that would replace an input
    or instance map (the same path resolved, or the same file through a link)."""
    if output.exists() and not output.is_dir():
        raise ZooError(f"--output {output} is a file; give a folder for the results")
    if input.is_dir() and output.resolve() == input.resolve():
        raise ZooError(f"--output {output} is the input folder; give another folder so the inputs are kept")
    sources = [*files, *(p for p in partners.values() if p is not None)]
    resolved = {p.resolve(): p for p in sources}
    for path, name in names.items():
        target = output / name
        hit = resolved.get(target.resolve())
        if hit is None and target.exists():
            hit = next((p for p in sources if os.path.samefile(p, target)), None)
        if hit is not None:
            raise ZooError(f"{target} would overwrite the input {hit} (from {path}); give another --output folder")


def _check(pipe: Any, path: Path, instances: Path | None) -> None:
    """Fail, naming ``path``, unless the model can take it: a decodable image (label map) of a
    size its generator accepts, with an instance map of the same size."""
    from zoo.data import check_image
    from zoo.labelmaps import LabelMapPipeline

    try:
        if isinstance(pipe, LabelMapPipeline):
            labels, instance_maps, _ = pipe.maps(path, instances)
            ready = pipe.prepare(labels, instance_maps)
            output_size = getattr(pipe.nets["G"], "output_size", None)
            if output_size not in (None, tuple(ready.condition.shape[-2:])):
                height, width = ready.size
                raise DataError(
                    f"label map of {width}x{height} pixels: this model makes {output_size[1]}x{output_size[0]} "
                    "images; resize or crop it to that size"
                )
            return
        width, height = check_image(path)
        multiple = getattr(pipe.nets["G"], "size_multiple", 1) or 1
        if width % multiple or height % multiple:
            name = getattr(pipe.config.nets.get("G"), "name", "the generator")
            raise DataError(
                f"image of {width}x{height} pixels: {name} needs width and height that are multiples of "
                f"{multiple}; resize or crop it (e.g. to {width - width % multiple or multiple}x"
                f"{height - height % multiple or multiple})"
            )
    except Exception as exc:
        raise _naming(exc, path, instances) from exc


def _naming(exc: Exception, path: Path, instances: Path | None = None) -> ZooError:
    """``exc`` as a one-line error that names the input file (and instance map) it came from."""
    message = str(exc) or type(exc).__name__
    if not isinstance(exc, ZooError):
        message = f"{type(exc).__name__}: {message}"
    named = [f"{path}"] if str(path) not in message else []
    if instances is not None and str(instances) not in message:
        named.append(f"(instance map {instances})")
    if named:
        message = f"{' '.join(named)}: {message}"
    return exc if isinstance(exc, ZooError) and message == str(exc) else DataError(message)
