"""The SPADE generator: SPADE residual blocks upsampling from a small latent map."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from zoo.errors import ConfigError
from zoo.nn import init_weights

from .normalization import SPADE, ParamFreeNorm, maybe_spectral

Upsampling = Literal["normal", "more", "most"]
UPSAMPLINGS = {"normal": 5, "more": 6, "most": 7}


class SPADEResnetBlock(nn.Module):
    """norm -> leaky ReLU -> conv, twice, around a shortcut that learns a 1x1 convolution (with
    its own SPADE) when the width changes; the middle width is the smaller of the two."""

    def __init__(self, fin: int, fout: int, semantic_nc: int, norm: ParamFreeNorm, spectral: bool, kernel_size: int):
        super().__init__()
        self.learned_shortcut = fin != fout
        middle = min(fin, fout)
        self.conv_0 = maybe_spectral(nn.Conv2d(fin, middle, 3, padding=1), spectral)
        self.conv_1 = maybe_spectral(nn.Conv2d(middle, fout, 3, padding=1), spectral)
        self.norm_0 = SPADE(fin, semantic_nc, norm, kernel_size)
        self.norm_1 = SPADE(middle, semantic_nc, norm, kernel_size)
        if self.learned_shortcut:
            self.conv_s = maybe_spectral(nn.Conv2d(fin, fout, 1, bias=False), spectral)
            self.norm_s = SPADE(fin, semantic_nc, norm, kernel_size)

    def forward(self, x: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        shortcut = self.conv_s(self.norm_s(x, seg)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, seg), 0.2))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, seg), 0.2))
        return shortcut + dx


class SPADEGenerator(nn.Module):
    """SPADE/GauGAN generator: from the segmentation map resized to the latent size (or, with
    ``use_vae``, from a style code z), 16*ngf wide, then SPADE residual blocks and nearest
    upsampling to ngf, leaky ReLU, 3x3 convolution, tanh.

    The latent size is ``crop_size / 2**k`` wide and that over ``aspect_ratio`` high, k = 5, 6 or
    7 for ``normal``, ``more`` (the Cityscapes model) or ``most``. Without the VAE any size that is
    a multiple of 2**k works (the latent map follows the input); with it, the configured one.
    """

    def __init__(
        self,
        semantic_nc: int = 36,
        ngf: int = 64,
        num_upsampling_layers: Upsampling = "normal",
        crop_size: int = 256,
        aspect_ratio: float = 1.0,
        use_vae: bool = False,
        z_dim: int = 256,
        norm: ParamFreeNorm = "syncbatch",
        spectral: bool = True,
        kernel_size: int = 3,
        init_variance: float = 0.02,
    ):
        super().__init__()
        self.use_vae, self.z_dim, self.num_upsampling_layers = use_vae, z_dim, num_upsampling_layers
        self.size_multiple = 2 ** UPSAMPLINGS[num_upsampling_layers]
        self.sw = crop_size // self.size_multiple
        self.sh = round(self.sw / aspect_ratio)
        if use_vae and not (self.sw and self.sh):
            raise ConfigError(
                f"G.crop_size={crop_size} at G.aspect_ratio={aspect_ratio} leaves no latent cells for "
                f"num_upsampling_layers={num_upsampling_layers!r}: the VAE generator needs a crop of at least "
                f"{self.size_multiple} x aspect ratio"
            )
        nf = ngf
        if use_vae:
            self.fc = nn.Linear(z_dim, 16 * nf * self.sw * self.sh)
        else:
            self.fc = nn.Conv2d(semantic_nc, 16 * nf, 3, padding=1)

        def block(fin: int, fout: int) -> SPADEResnetBlock:
            return SPADEResnetBlock(fin, fout, semantic_nc, norm, spectral, kernel_size)

        self.head_0 = block(16 * nf, 16 * nf)
        self.G_middle_0 = block(16 * nf, 16 * nf)
        self.G_middle_1 = block(16 * nf, 16 * nf)
        self.up_0 = block(16 * nf, 8 * nf)
        self.up_1 = block(8 * nf, 4 * nf)
        self.up_2 = block(4 * nf, 2 * nf)
        self.up_3 = block(2 * nf, nf)
        final = nf
        if num_upsampling_layers == "most":
            self.up_4 = block(nf, nf // 2)
            final = nf // 2
        self.conv_img = nn.Conv2d(final, 3, 3, padding=1)
        init_weights(self, "xavier", init_variance)  # the official --init_type xavier --init_variance

    @property
    def output_size(self) -> tuple[int, int] | None:
        """(height, width) a VAE generator makes; None where the segmentation map decides."""
        return (self.sh * self.size_multiple, self.sw * self.size_multiple) if self.use_vae else None

    def forward(self, seg: torch.Tensor, z: torch.Tensor | None = None) -> torch.Tensor:
        if self.use_vae:
            if z is None:  # the official code asks CUDA for this noise; here it follows the input
                z = torch.randn(seg.shape[0], self.z_dim, device=seg.device, dtype=seg.dtype)
            x = self.fc(z).view(-1, self.fc.out_features // (self.sh * self.sw), self.sh, self.sw)
        else:
            size = (seg.shape[-2] // self.size_multiple, seg.shape[-1] // self.size_multiple)
            x = self.fc(F.interpolate(seg, size=size))
        up = F.interpolate
        x = self.head_0(x, seg)
        x = self.G_middle_0(up(x, scale_factor=2), seg)
        if self.num_upsampling_layers in ("more", "most"):
            x = up(x, scale_factor=2)
        x = self.G_middle_1(x, seg)
        for block in (self.up_0, self.up_1, self.up_2, self.up_3):
            x = block(up(x, scale_factor=2), seg)
        if self.num_upsampling_layers == "most":
            x = self.up_4(up(x, scale_factor=2), seg)
        return torch.tanh(self.conv_img(F.leaky_relu(x, 0.2)))
