"""DRN-D-105 (Yu et al., "Dilated Residual Networks"), the Cityscapes segmenter of SPADE's
segmentation score, as fyu/drn builds it (``drn.py`` + ``segment.py``'s ``DRNSeg``), so its
released ``drn-d-105_ms_cityscapes.pth`` loads by key."""

from __future__ import annotations

import math

import torch
from torch import nn

from zoo.errors import ConfigError
from zoo.metric import Segmenter, weights_file, weights_record

from .segmenters import SEGMENTER_OPTION

DRN_ENV = "ZOO_DRN_WEIGHTS"
DRN_FILE = "drn-d-105_ms_cityscapes.pth"
DRN_URL = f"http://dl.yf.io/drn/{DRN_FILE} (linked from github.com/fyu/drn)"
CITYSCAPES_MEAN = (0.29010095242892997, 0.32808144844279574, 0.28696394422942517)
CITYSCAPES_STD = (0.1829540508368939, 0.18656561047509476, 0.18447508988480435)
"""fyu/drn's ``datasets/cityscapes/info.json``."""
TRAIN_IDS = {
    7: 0,
    8: 1,
    11: 2,
    12: 3,
    13: 4,
    17: 5,
    19: 6,
    20: 7,
    21: 8,
    22: 9,
    23: 10,
    24: 11,
    25: 12,
    26: 13,
    27: 14,
    28: 15,
    31: 16,
    32: 17,
    33: 18,
}
"""Cityscapes label id -> the 19 evaluated train ids (every other id is ignored)."""


class Bottleneck(nn.Module):
    """DRN's bottleneck: 1x1, dilated 3x3 (the stride here), 1x1 to 4x width, plus the shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def _convs(inplanes: int, channels: int, count: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(count):
        layers += [
            nn.Conv2d(
                inplanes if i == 0 else channels,
                channels,
                3,
                stride if i == 0 else 1,
                padding=dilation,
                dilation=dilation,
                bias=False,
            ),
            nn.BatchNorm2d(channels),
            nn.ReLU(inplace=True),
        ]
    return nn.Sequential(*layers)


def _blocks(inplanes: int, planes: int, count: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    downsample = None
    if stride != 1 or inplanes != planes * 4:
        downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
    blocks = [Bottleneck(inplanes, planes, stride, dilation, downsample)]
    blocks += [Bottleneck(planes * 4, planes, dilation=dilation) for _ in range(count - 1)]
    return nn.Sequential(*blocks)


def drn_d_105_base() -> nn.Sequential:
    """Layers 0-8 of DRN-D-105 (``[1, 1, 3, 4, 23, 3, 1, 1]``, output stride 8, 512 channels)."""
    return nn.Sequential(
        nn.Sequential(nn.Conv2d(3, 16, 7, 1, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True)),
        _convs(16, 16, 1),
        _convs(16, 32, 1, stride=2),
        _blocks(32, 64, 3, stride=2),
        _blocks(256, 128, 4, stride=2),
        _blocks(512, 256, 23, dilation=2),
        _blocks(1024, 512, 3, dilation=4),
        _convs(2048, 512, 1, dilation=2),
        _convs(512, 512, 1),
    )


class DRNSegmenter(Segmenter):
    """DRN-D-105 + 1x1 classifier + the fixed bilinear x8 transposed convolution of ``DRNSeg``,
    on images normalised by the Cityscapes statistics; targets are label ids mapped to train ids."""

    def __init__(self, classes: int = 19):
        super().__init__()
        self.base = drn_d_105_base()
        self.seg = nn.Conv2d(512, classes, 1)
        self.up = nn.ConvTranspose2d(classes, classes, 16, stride=8, padding=4, groups=classes, bias=False)
        self.up.weight.data.copy_(bilinear_kernel(16).expand(classes, 1, 16, 16))
        self.up.weight.requires_grad_(False)
        self.register_buffer("mean", torch.tensor(CITYSCAPES_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(CITYSCAPES_STD).view(1, 3, 1, 1), persistent=False)
        table = torch.full((256,), self.ignore, dtype=torch.long)
        for label_id, train_id in TRAIN_IDS.items():
            table[label_id] = train_id
        self.register_buffer("train_ids", table, persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.up(self.seg(self.base((images - self.mean) / self.std)))

    def target(self, labels: torch.Tensor) -> torch.Tensor:
        return self.train_ids[labels.long().clamp(0, 255)]


def drn_d_105_cityscapes(file: str | None = None) -> Segmenter:
    """DRN-D-105 trained on Cityscapes, from ``file`` or ``ZOO_DRN_WEIGHTS`` (the official
    ``DataParallel`` checkpoint; its ``module.`` prefix is dropped)."""
    path = weights_file(file, DRN_ENV, f"DRN-D-105 Cityscapes weights ({DRN_FILE})", DRN_URL, SEGMENTER_OPTION)
    state = torch.load(path, map_location="cpu", weights_only=True)
    state = {k.removeprefix("module."): v for k, v in state.get("state_dict", state).items()}
    model = DRNSegmenter()
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        raise ConfigError(f"{path}: not DRN-D-105 segmentation weights ({str(exc).splitlines()[0]})") from None
    model.record = {"model": "drn_d_105", **weights_record(path)}
    return model


def bilinear_kernel(size: int) -> torch.Tensor:
    """The fixed bilinear kernel ``DRNSeg``'s ``fill_up_weights`` gives ``up`` (the released file holds it too)."""
    f = math.ceil(size / 2)
    c = (2 * f - 1 - f % 2) / (2.0 * f)
    grid = torch.arange(size, dtype=torch.float64)
    row = 1 - (grid / f - c).abs()
    return (row[:, None] * row[None, :]).float()
