"""SinGAN inference: random samples of any size, and the paper's applications, from one model."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image

from zoo.errors import ZooError
from zoo.graph import GraphInput, GraphSpec
from zoo.images import ImageInput, OutputType, from_batch, to_batch
from zoo.inference import inference
from zoo.metric import EvalBatch, to_unit
from zoo.pipeline import Pipeline

from .networks import PyramidSampler, SinGANGenerator, noise_map
from .pyramid import fit, resize

SR_STEP = 4 ** (1 / 6)
"""The official super-resolution step: x4 in six applications of the finest generator."""


class SinGANPipeline(Pipeline):
    """Everything a trained SinGAN does. Results are PIL images by default (``output_type``
    ``"pt"``: tensors in [0, 1]); ``seed`` makes the noise, and so the result, repeatable.

    Injection (``paint_to_image``, ``edit``, ``harmonize``) starts the pyramid at
    ``inject_scale`` from the given image shrunk to the scale below: a low scale re-imagines
    more of it, a high one keeps more.
    """

    takes_images = False  # pipe(n) samples; the image-guided applications have methods of their own

    usage = "samples = pipe.sample(4, scale_w=1.5)  # also super_resolve, paint_to_image, edit, harmonize, animate"

    def __call__(self, n: int = 1, **options: Any) -> Any:
        return self.sample(n, **options)

    @property
    def generator(self) -> SinGANGenerator:
        generator = self.nets["G"]
        if not isinstance(generator, SinGANGenerator):
            raise ZooError(
                "an exported SinGAN only samples, at its exported size from the coarsest scale; the other "
                "applications need the PyTorch model (zoo.load on its folder)"
            )
        return generator

    def graph_spec(self) -> GraphSpec:
        """Sampling through the whole pyramid, with the noise maps as inputs, at the training size."""
        g = self.generator
        inputs = [GraphInput(f"noise_{i}", ("N", 3, *size), "noise") for i, size in enumerate(g.sizes)]
        return GraphSpec(PyramidSampler(g), inputs, size=g.sizes[-1], attributes={"sizes": g.sizes})

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the finest scale: the training image as the model sees it."""
        return self.generator.sizes[-1]

    @inference
    def sample(
        self,
        n: int = 1,
        scale_h: float = 1.0,
        scale_w: float = 1.0,
        start_scale: int = 0,
        seed: int | None = None,
        output_type: OutputType = "pil",
    ) -> list[Any]:
        """``n`` random images, ``scale_h`` x ``scale_w`` times the training size; scales below
        ``start_scale`` replay the training image's reconstruction (their structure is kept)."""
        if not isinstance(self.nets["G"], SinGANGenerator):
            return self._sample_graph(n, (scale_h, scale_w, start_scale), seed, output_type)
        if not 0 <= start_scale < len(self.generator):
            raise ZooError(f"start_scale={start_scale}: the model has scales 0 to {len(self.generator) - 1}")
        if n < 1 or scale_h <= 0 or scale_w <= 0:
            raise ZooError(f"n={n}, scale_h={scale_h}, scale_w={scale_w}: give n >= 1 and positive scales")
        images = self.generator(n, scale_h, scale_w, start=start_scale, generator=_rng(seed))
        return self._out(images, output_type, single=False)

    def evaluation_batch(
        self, items: Mapping[str, Any], seed: int, variants: int = 0, start_scale: int = 0, super_resolve: float = 0
    ) -> EvalBatch:
        """The paper's protocols against the data set's image (repeated): random samples from
        ``start_scale`` (SIFID is reported from scale N, 0, and N-1, 1), or, with
        ``super_resolve`` set to a factor, the reconstruction enlarged that much against the
        data set's image at full resolution (train on the image shrunk by the factor, as the
        paper does, then evaluate with ``--set data.path=`` the original). The real image is
        resized to the output's size where they differ."""
        real = to_unit(items["target"])
        if super_resolve:
            fake = [self.super_resolve(factor=super_resolve, seed=seed + k, output_type="pt") for k in range(len(real))]
        else:
            fake = self.sample(len(real), start_scale=start_scale, seed=seed, output_type="pt")
        fake = torch.stack(fake) if isinstance(fake, list) else fake
        if real.shape[-2:] != fake.shape[-2:]:
            real = F.interpolate(real, fake.shape[-2:], mode="bicubic", align_corners=False, antialias=True)
        return EvalBatch(fake=fake.float().cpu(), real=real.clamp(0, 1))

    @inference
    def reconstruct(self, output_type: OutputType = "pil") -> Any:
        """The training image as the pyramid rebuilds it from the fixed noise z*."""
        return self._out(self.generator.reconstruct(), output_type)

    @inference
    def super_resolve(
        self, image: ImageInput | None = None, factor: float = 4.0, seed: int | None = None, output_type="pil"
    ) -> Any:
        """``image`` (default: the reconstruction) enlarged ``factor`` times by applying the
        finest generator at steps of about 4^(1/6). Train with ``--set loss.rec.weight=100``
        for this, as the paper does. The result is ``round(factor * size)``: the official steps
        round each size up, and the last few rows and columns beyond that are cut off."""
        if factor <= 1:
            raise ZooError(f"factor={factor}: super-resolution enlarges, give a factor above 1")
        g = self.generator
        x = to_batch(image, 3)[0][:1].to(self.device) * 2 - 1 if image is not None else g.reconstruct()
        steps = max(1, round(math.log(factor, SR_STEP)))
        height, width = x.shape[-2:]
        target = (round(height * factor), round(width * factor))
        step = 1 / (1 / factor ** (1 / steps))  # the official 1 / opt.scale_factor, opt.scale_factor = 1 / in_scale
        rng = _rng(seed)
        for k in range(steps):
            if g.resize_method == "matlab":  # as officially: imresize by the step, sizes rounded up
                x = g.rescale(x, step)
            else:  # sizes from the input's, so that the last is exactly factor times it
                grown = factor ** ((k + 1) / steps)
                x = resize(x, (round(height * grown), round(width * grown)))
            noise = noise_map(tuple(x.shape[-2:]), 1, rng, single=k == 0).to(self.device)  # first: one channel
            x = g.step(len(g) - 1, noise, x)
        return self._out(fit(x, target), output_type)  # rounded up: cut to exactly factor times the input

    @inference
    def paint_to_image(
        self, paint: ImageInput, inject_scale: int, seed: int | None = None, output_type: OutputType = "pil"
    ) -> Any:
        """A realistic image with the layout of a rough ``paint`` (a clip-art of the training image)."""
        return self._out(self._inject(self._image(paint), inject_scale, seed), output_type)

    @inference
    def edit(
        self,
        image: ImageInput,
        mask: ImageInput,
        inject_scale: int,
        seed: int | None = None,
        output_type: OutputType = "pil",
    ) -> Any:
        """``image`` with the region ``mask`` marks (a copy-pasted edit) made seamless."""
        return self._blend(image, mask, inject_scale, 20, seed, output_type)

    @inference
    def harmonize(
        self,
        image: ImageInput,
        mask: ImageInput,
        inject_scale: int,
        seed: int | None = None,
        output_type: OutputType = "pil",
    ) -> Any:
        """``image`` with a pasted object (``mask``) given the training image's look."""
        return self._blend(image, mask, inject_scale, 7, seed, output_type)

    @inference
    def animate(
        self,
        frames: int = 100,
        alpha: float = 0.1,
        beta: float = 0.9,
        start_scale: int = 2,
        seed: int | None = None,
        output_type: OutputType = "pil",
        chunk: int = 10,
    ) -> list[Any]:
        """A short video from the one image: a random walk in noise space at each scale from
        ``start_scale`` (``beta``: momentum, ``alpha``: pull towards z*), as the official GIFs."""
        g, rng = self.generator, _rng(seed)
        if frames < 1 or not 0 <= start_scale < len(g):
            raise ZooError(f"frames={frames}, start_scale={start_scale}: give frames >= 1 and a scale below {len(g)}")
        walks = [_walk(g, s, frames, alpha, beta, rng) if s >= start_scale else None for s in range(len(g))]
        out = []
        for first in range(0, frames, chunk):
            count = min(chunk, frames - first)
            x = torch.zeros(count, 3, *g.sizes[0], device=self.device)
            for s in range(len(g)):
                if s:
                    x = g.up(x, g.sizes[s])
                z = g.z_star if s == 0 else torch.zeros_like(x[:1])
                z = z.expand(count, -1, -1, -1) if walks[s] is None else walks[s][first : first + count]
                x = g.step(s, z.to(self.device), x)
            out.append(x)
        return self._out(torch.cat(out), output_type, single=False)

    # --- helpers ------------------------------------------------------------------------------
    def _sample_graph(self, n: int, options: tuple, seed: int | None, output_type: OutputType) -> list[Any]:
        if options != (1.0, 1.0, 0):
            raise ZooError("an exported SinGAN samples at its exported size from scale 0 (scale_h=scale_w=1)")
        rng = _rng(seed)
        sizes = self.nets["G"].sizes
        noises = [noise_map(tuple(size), n, rng, single=i == 0).to(self.device) for i, size in enumerate(sizes)]
        return self._out(self.nets["G"](*noises), output_type, single=False)

    def _image(self, image: ImageInput) -> torch.Tensor:
        """A user image in [-1, 1] at the finest scale's size."""
        batch, _ = to_batch(image, 3)
        return self.generator.to_size(batch[:1].to(self.device) * 2 - 1, self.size)

    def _inject(self, image: torch.Tensor, scale: int, seed: int | None) -> torch.Tensor:
        g = self.generator
        if not 1 <= scale < len(g):
            raise ZooError(f"inject_scale={scale}: choose 1 to {len(g) - 1} (lower re-imagines more of the image)")
        start = g.up(g.down(image, scale - 1), g.sizes[scale])  # shrunk below, moved up: as officially
        return g(1, start=scale, image=start, generator=_rng(seed))

    def _blend(
        self, image: ImageInput, mask: ImageInput, scale: int, radius: int, seed: int | None, output_type: OutputType
    ) -> Any:
        """The injected result inside the mask (dilated by ``radius`` and blurred, sigma 5, as
        officially), ``image`` outside it (the official scripts paste the training image there,
        which differs from the user's only where the user changed it)."""
        x = self._image(image)
        m = self.generator.to_size(to_batch(mask, 1)[0][:1].to(self.device) * 2 - 1, self.size) > 0
        disk = _disk(radius).to(self.device)
        m = (F.conv2d(m.float(), disk[None, None], padding=radius) > 0).float()
        from torchvision.transforms.functional import gaussian_blur  # slow to import: only for masks

        m = gaussian_blur(m, [41, 41], [5.0, 5.0])
        spread = m.max() - m.min()
        m = (m - m.min()) / spread if spread > 1e-6 else m.clamp(0, 1)  # a mask over everything stays 1
        return self._out((1 - m) * x + m * self._inject(x, scale, seed), output_type)

    def _out(self, images: torch.Tensor, output_type: OutputType, single: bool = True) -> Any:
        return from_batch((images.float().clamp(-1, 1) + 1) / 2, output_type, single)


def save_gif(frames: list[Image.Image], path: str | Path, fps: int = 10) -> None:
    """Frames as a looping GIF."""
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0)


def _rng(seed: int | None) -> torch.Generator | None:
    return None if seed is None else torch.Generator().manual_seed(seed)


def _disk(radius: int) -> torch.Tensor:
    """skimage's ``morphology.disk``: the pixels within ``radius`` of the centre."""
    r = torch.arange(-radius, radius + 1)
    return ((r[:, None] ** 2 + r[None, :] ** 2) <= radius**2).float()


def _walk(g: torch.nn.Module, scale: int, frames: int, alpha: float, beta: float, rng) -> torch.Tensor:
    """The official animation's noise at one scale: momentum ``beta``, pulled towards z* by ``alpha``."""
    size = g.sizes[scale]
    anchor = (g.z_star if scale == 0 else torch.zeros(1, 3, *size, device=g.z_star.device)).cpu()
    prev1, prev2 = 0.95 * anchor + 0.05 * g.noise(scale, size, generator=rng).cpu(), anchor
    out = []
    for _ in range(frames):
        diff = beta * (prev1 - prev2) + (1 - beta) * g.noise(scale, size, generator=rng).cpu()
        z = alpha * anchor + (1 - alpha) * (prev1 + diff)
        prev2, prev1 = prev1, z
        out.append(z)
    return torch.cat(out)
