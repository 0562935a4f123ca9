"""``zoo singan ...``: SinGAN's sampling and applications from the command line, writing images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zoo.errors import ZooError

if TYPE_CHECKING:
    from .pipeline import SinGANPipeline

app = typer.Typer(help="SinGAN: samples of any size, super-resolution, paint-to-image, editing, harmonization, GIFs.")

Model = Annotated[Path, typer.Option("--model", "-m", help="A SinGAN run, checkpoint or saved model.")]
Output = Annotated[Path, typer.Option("--output", "-o", help="The image to write.")]
Seed = Annotated[int | None, typer.Option(help="Seed of the noise, for a repeatable result.")]
Scale = Annotated[int, typer.Option("--scale", help="Injection scale: lower re-imagines more of the image.")]
Device = Annotated[str | None, typer.Option(help="cpu, cuda, mps; default: the best available.")]


def _pipeline(model: Path, device: str | None) -> SinGANPipeline:
    """The SinGAN model ``model``; the model code is imported here, when a command runs."""
    from zoo.loading import load

    from .pipeline import SinGANPipeline

    pipe = load(model, device=device)
    if not isinstance(pipe, SinGANPipeline):
        raise ZooError(f"{model} is a {pipe.config.arch} model; zoo singan needs a SinGAN model")
    return pipe


@app.command()
def sample(
    model: Model,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write sample_<i>.png into.")],
    n: Annotated[int, typer.Option("-n", help="How many samples.")] = 10,
    scale_h: Annotated[float, typer.Option(help="Height, times the training image's.")] = 1.0,
    scale_w: Annotated[float, typer.Option(help="Width, times the training image's.")] = 1.0,
    start_scale: Annotated[int, typer.Option(help="Keep the reconstruction below this scale.")] = 0,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """Random samples, of any size and aspect ratio."""
    images = _pipeline(model, device).sample(n, scale_h, scale_w, start_scale, seed)
    output.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        image.save(output / f"sample_{i}.png")
    typer.echo(f"wrote {len(images)} samples to {output}")


@app.command()
def reconstruct(model: Model, output: Output, device: Device = None) -> None:
    """The training image rebuilt from the fixed noise z*."""
    _pipeline(model, device).reconstruct().save(output)
    typer.echo(f"wrote {output}")


@app.command("super-resolve")
def super_resolve(
    model: Model,
    output: Output,
    image: Annotated[Path | None, typer.Option(help="The image to enlarge (default: the reconstruction).")] = None,
    factor: Annotated[float, typer.Option(help="Enlargement.")] = 4.0,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """Enlarge with the finest scale's generator (train with --set loss.rec.weight=100)."""
    _pipeline(model, device).super_resolve(image, factor, seed).save(output)
    typer.echo(f"wrote {output}")


@app.command()
def paint(
    model: Model,
    paint: Annotated[Path, typer.Option(help="The rough painting.")],
    output: Output,
    scale: Scale,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """Paint-to-image: a realistic image with the painting's layout."""
    _pipeline(model, device).paint_to_image(paint, scale, seed).save(output)
    typer.echo(f"wrote {output}")


@app.command()
def edit(
    model: Model,
    image: Annotated[Path, typer.Option(help="The edited image.")],
    mask: Annotated[Path, typer.Option(help="The edited region (white).")],
    output: Output,
    scale: Scale,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """Make a copy-paste edit seamless."""
    _pipeline(model, device).edit(image, mask, scale, seed).save(output)
    typer.echo(f"wrote {output}")


@app.command()
def harmonize(
    model: Model,
    image: Annotated[Path, typer.Option(help="The image with a pasted object.")],
    mask: Annotated[Path, typer.Option(help="The pasted object (white).")],
    output: Output,
    scale: Scale,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """Give a pasted object the look of the training image."""
    _pipeline(model, device).harmonize(image, mask, scale, seed).save(output)
    typer.echo(f"wrote {output}")


@app.command()
def animate(
    model: Model,
    output: Annotated[Path, typer.Option("--output", "-o", help="The GIF to write.")],
    frames: Annotated[int, typer.Option(help="Frames.")] = 100,
    alpha: Annotated[float, typer.Option(help="Pull towards the reconstruction's noise.")] = 0.1,
    beta: Annotated[float, typer.Option(help="Momentum of the random walk.")] = 0.9,
    start_scale: Annotated[int, typer.Option(help="Scales below stay still.")] = 2,
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 10,
    seed: Seed = None,
    device: Device = None,
) -> None:
    """A looping GIF: a random walk in noise space."""
    from .pipeline import save_gif

    images = _pipeline(model, device).animate(frames, alpha, beta, start_scale, seed)
    save_gif(images, output, fps)
    typer.echo(f"wrote {len(images)} frames to {output}")
