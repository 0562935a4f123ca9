"""pix2pixHD's generators and feature encoder, state-dict compatible with the official code.

The global generator is pix2pix's ResNet generator with four downsamplings and biases
throughout; the local enhancer runs it (without its output layers) on the input downsampled
once per enhancer and adds each enhancer's features at twice the resolution.
"""

from __future__ import annotations

import torch
from torch import nn

from zoo.nn import NormName, init_weights, norm_layer
from zoo.nn.multiscale import downsample
from zoo.nn.semantic import instance_mean
from zoo.plugins.pix2pix.resnet import PaddingName, ResnetBlock, ResnetGenerator


def _hd_init(net: nn.Module) -> nn.Module:
    """pix2pixHD's ``weights_init``: N(0, 0.02) weights, PyTorch's default biases."""
    return init_weights(net, "normal", 0.02, zero_bias=False)


class GlobalGenerator(ResnetGenerator):
    """pix2pixHD global generator G1 (the 512p model; 182.5 M parameters at the defaults).

    7x7 stem, ``n_downsample_global`` stride-2 convolutions, ``n_blocks_global`` residual
    blocks, transposed convolutions back, 7x7 + tanh."""

    def __init__(
        self,
        input_nc: int = 36,
        output_nc: int = 3,
        ngf: int = 64,
        n_downsample_global: int = 4,
        n_blocks_global: int = 9,
        norm: NormName = "instance",
        padding: PaddingName = "reflect",
    ):
        super().__init__(
            input_nc, output_nc, ngf, norm, False, n_blocks_global, padding, n_downsample_global, bias=True
        )
        _hd_init(self)


class LocalEnhancer(nn.Module):
    """pix2pixHD coarse-to-fine generator G1 + local enhancers (the 1024p model).

    The global generator (``ngf * 2**n_local_enhancers`` wide, without its
    output layers) on a downsampled input, then one enhancer per factor of two."""

    def __init__(
        self,
        input_nc: int = 36,
        output_nc: int = 3,
        ngf: int = 32,
        n_downsample_global: int = 4,
        n_blocks_global: int = 9,
        n_local_enhancers: int = 1,
        n_blocks_local: int = 3,
        norm: NormName = "instance",
        padding: PaddingName = "reflect",
    ):
        super().__init__()
        self.n_local_enhancers = n_local_enhancers
        self.size_multiple = 2 ** (n_downsample_global + n_local_enhancers)
        self._global_args = (
            input_nc,
            output_nc,
            ngf * 2**n_local_enhancers,
            n_downsample_global,
            n_blocks_global,
            norm,
            padding,
        )
        self.model = nn.Sequential(*list(GlobalGenerator(*self._global_args).model)[:-3])
        make_norm = norm_layer(norm)
        for n in range(1, n_local_enhancers + 1):
            width = ngf * 2 ** (n_local_enhancers - n)
            down = [
                nn.ReflectionPad2d(3),
                nn.Conv2d(input_nc, width, 7),
                make_norm(width),
                nn.ReLU(True),
                nn.Conv2d(width, width * 2, 3, stride=2, padding=1),
                make_norm(width * 2),
                nn.ReLU(True),
            ]
            up: list[nn.Module] = [
                ResnetBlock(width * 2, padding, norm, False, bias=True) for _ in range(n_blocks_local)
            ]
            up += [
                nn.ConvTranspose2d(width * 2, width, 3, stride=2, padding=1, output_padding=1),
                make_norm(width),
                nn.ReLU(True),
            ]
            if n == n_local_enhancers:
                up += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
            setattr(self, f"model{n}_1", nn.Sequential(*down))
            setattr(self, f"model{n}_2", nn.Sequential(*up))
        _hd_init(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pyramid = [x]
        for _ in range(self.n_local_enhancers):
            pyramid.append(downsample(pyramid[-1]))
        out = self.model(pyramid[-1])
        for n in range(1, self.n_local_enhancers + 1):
            level = pyramid[self.n_local_enhancers - n]
            out = getattr(self, f"model{n}_2")(getattr(self, f"model{n}_1")(level) + out)
        return out

    def global_generator(self) -> GlobalGenerator:
        """A complete global generator of this enhancer's global part, for training it first at
        ``1 / 2**n_local_enhancers`` of the resolution (the paper's schedule)."""
        return GlobalGenerator(*self._global_args)

    def load_global(self, trained: GlobalGenerator) -> None:
        """Take a trained global generator's weights, all but its output layers."""
        state = {k: v for k, v in trained.model.state_dict().items() if int(k.split(".")[0]) < len(self.model)}
        self.model.load_state_dict(state)

    def enhancer_parameters(self) -> list[nn.Parameter]:
        """The enhancers' parameters: what trains while the global part stays fixed. (The official
        code trains only the finest enhancer then, the coarser ones coming from an earlier run;
        here they start with this run, so all of them train.)"""
        return [
            p
            for n in range(1, self.n_local_enhancers + 1)
            for half in ("_1", "_2")
            for p in getattr(self, f"model{n}{half}").parameters()
        ]


class FeatureEncoder(ResnetGenerator):
    """pix2pixHD instance feature encoder E with per-class K-means style centres.

    The global generator's shape without residual blocks, followed by instance-wise average
    pooling, so each object gets one low-dimensional style feature. It also holds the per-class
    K-means style centres found after training (``centres``, ``counts``)."""

    def __init__(
        self,
        input_nc: int = 3,
        feat_num: int = 3,
        nef: int = 16,
        n_downsampling: int = 4,
        norm: NormName = "instance",
        label_nc: int = 35,
        n_clusters: int = 10,
    ):
        super().__init__(input_nc, feat_num, nef, norm, False, 0, "reflect", n_downsampling, bias=True)
        self.feat_num, self.n_clusters = feat_num, n_clusters
        self.register_buffer("centres", torch.zeros(label_nc, n_clusters, feat_num))
        self.register_buffer("counts", torch.zeros(label_nc, dtype=torch.long))
        _hd_init(self)

    def forward(self, image: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return instance_mean(self.model(image), instances)
