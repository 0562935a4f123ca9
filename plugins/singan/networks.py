"""SinGAN's per-scale networks and the generator that holds the whole pyramid."""

from __future__ import annotations

import torch
from torch import nn

from zoo.errors import ConfigError
from zoo.nn import init_weights

from .pyramid import Resize, channels, fit, pad, pyramid, rescale, resize, upscale


def noise_map(
    size: tuple[int, int], count: int = 1, generator: torch.Generator | None = None, single: bool = False
) -> torch.Tensor:
    """RGB noise maps; ``single``: one channel broadcast to RGB, as the coarsest scale draws it."""
    return torch.randn(count, 1 if single else 3, *size, generator=generator).expand(count, 3, *size)


class ConvBlock(nn.Sequential):
    """3x3 convolution without padding, batch norm, LeakyReLU(0.2)."""

    def __init__(self, fin: int, fout: int, kernel_size: int = 3):
        super().__init__()
        self.add_module("conv", nn.Conv2d(fin, fout, kernel_size))
        self.add_module("norm", nn.BatchNorm2d(fout))
        self.add_module("LeakyRelu", nn.LeakyReLU(0.2))


class ScaleNet(nn.Module):
    """Head, ``num_layer - 2`` body blocks halving the width down to ``min_nfc``, and a tail:
    the official per-scale generator (3 channels, tanh) or critic (1 channel, a score map)."""

    def __init__(self, nfc: int, min_nfc: int, num_layer: int = 5, kernel_size: int = 3, critic: bool = False):
        super().__init__()
        self.head = ConvBlock(3, nfc, kernel_size)
        self.body = nn.Sequential()
        width = nfc
        for i in range(num_layer - 2):
            width = nfc // 2 ** (i + 1)
            self.body.add_module(f"block{i + 1}", ConvBlock(max(2 * width, min_nfc), max(width, min_nfc), kernel_size))
        tail = nn.Conv2d(max(width, min_nfc), 1 if critic else 3, kernel_size)
        self.tail = tail if critic else nn.Sequential(tail, nn.Tanh())
        self.padding = (kernel_size - 1) * num_layer // 2
        init_weights(self, "normal", 0.02, zero_bias=False)  # the official weights_init

    def forward(self, x: torch.Tensor, prev: torch.Tensor | None = None) -> torch.Tensor:
        """A critic's scores of ``x``; a generator's residual on ``prev`` (padded as ``x``), centre-cropped."""
        out = self.tail(self.body(self.head(x)))
        if prev is None:
            return out
        cut = (prev.shape[-2] - out.shape[-2]) // 2
        return out + prev[..., cut : prev.shape[-2] - cut, cut : prev.shape[-1] - cut]


class SinGANGenerator(nn.Module):
    """Every scale's generator, with what sampling needs: the noise amplitudes and the fixed
    reconstruction noise z* (buffers, so they save and load with the weights).

    ``image_size`` is the training image's (height, width): the scales follow from it. The
    trainer fills it in from the data set; a saved model keeps it. ``nfc`` and ``min_nfc`` are
    the official widths of the head and of the body's narrowest block at the coarsest scales.
    ``trained_scales`` limits the model to its first scales (a run that stopped early).

    ``resize`` is how images change scale — building the pyramid of reals, moving each scale's
    output up, shrinking an image to inject: ``matlab`` (the default) as the official code, its
    MATLAB-style bicubic ``imresize`` on images truncated to uint8 and clamped to [-1, 1] (the
    fixtures in ``tests/data/parity/singan`` are reproduced exactly); ``torch``, torch's antialiased
    bicubic on floats, faster and close to it (about 0.05 apart on a trained 9-scale model). Models
    saved before this option existed load with the default, ``matlab``: they were trained with
    ``torch`` and their outputs change slightly (set ``G.resize=torch`` to keep them as they were).
    """

    def __init__(
        self,
        image_size: tuple[int, int] | None = None,
        nfc: int = 32,
        min_nfc: int = 32,
        max_nfc: int = 128,
        num_layer: int = 5,
        kernel_size: int = 3,
        min_size: int = 25,
        max_size: int = 250,
        scale_factor: float = 0.75,
        trained_scales: int | None = None,
        resize: Resize = "matlab",
    ):
        super().__init__()
        if image_size is None:
            raise ConfigError("G.image_size is unset: it comes from the training image, or set it (height, width)")
        if nfc < min_nfc:
            raise ConfigError(f"G.nfc={nfc} is below G.min_nfc={min_nfc}: the body would not fit the head")
        if min(image_size) < min_size:
            raise ConfigError(f"G.image_size={tuple(image_size)} is smaller than G.min_size={min_size}")
        if resize not in ("matlab", "torch"):
            raise ConfigError(f"G.resize={resize!r}: choose matlab (as the official code) or torch (faster)")
        sizes, self.factor = pyramid(*image_size, min_size, max_size, scale_factor)
        self.resize_method, self.scale1 = resize, min(max_size / max(image_size), 1.0)
        self.scales = nn.ModuleList(
            ScaleNet(channels(i, nfc, max_nfc), channels(i, min_nfc, max_nfc), num_layer, kernel_size)
            for i in range(len(sizes))
        )
        self._all_sizes, self.sizes = sizes, sizes[:trained_scales]
        self.padding = self.scales[0].padding
        self.register_buffer("noise_amps", torch.ones(len(sizes)))
        self.register_buffer("z_star", torch.zeros(1, 3, *sizes[0]))

    def __len__(self) -> int:
        return len(self.sizes)

    def noise(self, scale: int, size: tuple[int, int], count: int = 1, generator: torch.Generator | None = None):
        """Noise for ``scale``: single-channel at the coarsest, RGB above."""
        return noise_map(size, count, generator, single=scale == 0).to(self.noise_amps.device)

    def step(self, scale: int, z: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """One scale: its generator on noise ``z`` (unit variance) added to the image ``prev``."""
        p = self.padding
        return self.scales[scale](pad(self.noise_amps[scale] * z + prev, p), pad(prev, p))

    def up(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """An output moved to the next scale's ``size``: enlarged by 1 / factor and cut to it."""
        return upscale(image, self.factor, size, self.resize_method, self.padding)

    def down(self, image: torch.Tensor, scale: int, top: int | None = None) -> torch.Tensor:
        """``image``, at the size of scale ``top`` (default: the finest), shrunk to scale ``scale``:
        by factor ** (top - scale) and cut to the size, as the official code builds the pyramid of
        reals and the image an injection starts from."""
        top = len(self) - 1 if top is None else top
        size = self._all_sizes[scale]
        if self.resize_method == "torch":
            return resize(image, size)
        return fit(rescale(image, self.factor ** (top - scale), "matlab"), size, "matlab", self.padding)

    def real(self, image: torch.Tensor, scale: int) -> torch.Tensor:
        """The training image (at its own size, in [-1, 1]) at ``scale``: shrunk to the finest
        scale first (by ``min(max_size / long side, 1)``), then by factor ** (finest - scale)."""
        top = len(self._all_sizes) - 1
        if self.resize_method == "torch":
            return resize(resize(image, self._all_sizes[top]), self._all_sizes[scale])
        finest = fit(rescale(image, self.scale1, "matlab"), self._all_sizes[top], "matlab", self.padding)
        return self.down(finest, scale, top)

    def to_size(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """A given image brought to ``size`` (the official ``imresize_to_shape``; unchanged if it has it)."""
        return resize(image, size, self.resize_method)

    def rescale(self, image: torch.Tensor, scale: float) -> torch.Tensor:
        """``image`` scaled by ``scale`` to ``ceil(size * scale)`` (the official ``imresize``)."""
        return rescale(image, scale, self.resize_method)

    def reconstruct(self, until: int | None = None) -> torch.Tensor:
        """The training image as the pyramid rebuilds it from z* (zero noise above the coarsest),
        up to scale ``until`` (default: the finest)."""
        until = len(self) - 1 if until is None else until
        image = torch.zeros_like(self.z_star)
        for scale in range(until + 1):
            if scale:
                image = self.up(image, self.sizes[scale])
            z = self.z_star if scale == 0 else torch.zeros_like(image)
            image = self.step(scale, z, image)
        return image

    def forward(
        self,
        count: int = 1,
        scale_h: float = 1.0,
        scale_w: float = 1.0,
        start: int = 0,
        end: int | None = None,
        image: torch.Tensor | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """``count`` random images at ``scale_h`` x ``scale_w`` times the training size, from
        fresh noise at scales ``start`` to ``end`` (default: all). Below ``start`` the pyramid
        replays the reconstruction, unless ``image`` (at scale ``start``'s size) is given to
        start from instead (paint-to-image, editing, harmonization)."""
        end = len(self) - 1 if end is None else end
        if image is not None:
            prev = image.expand(count, -1, -1, -1)
        elif start:
            prev = self.up(self.reconstruct(start - 1), self.size(start, scale_h, scale_w)).expand(count, -1, -1, -1)
        else:
            prev = torch.zeros(count, 3, *self.size(0, scale_h, scale_w), device=self.z_star.device)
        for scale in range(start, end + 1):
            size = self.size(scale, scale_h, scale_w)
            if scale > start:
                prev = self.up(prev, size)
            prev = self.step(scale, self.noise(scale, size, count, generator), prev)
        return prev

    def size(self, scale: int, scale_h: float = 1.0, scale_w: float = 1.0) -> tuple[int, int]:
        """Scale ``scale``'s (height, width) for outputs ``scale_h`` x ``scale_w`` the training size."""
        height, width = self.sizes[scale]
        return max(1, round(height * scale_h)), max(1, round(width * scale_w))


class PyramidSampler(nn.Module):
    """The whole pyramid as one graph: a noise map per scale in (N, 3, h, w), a sample out."""

    def __init__(self, generator: SinGANGenerator):
        super().__init__()
        self.generator = generator

    def forward(self, *noises: torch.Tensor) -> torch.Tensor:
        g = self.generator
        prev = torch.zeros_like(noises[0])
        for scale, z in enumerate(noises):
            if scale:
                prev = g.up(prev, (z.shape[-2], z.shape[-1]))
            prev = g.step(scale, z, prev)
        return prev
