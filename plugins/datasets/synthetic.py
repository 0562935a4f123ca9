"""The embedded default data set: procedurally drawn label maps and the textured scenes they stand for.

Nothing is downloaded: sample ``i`` of split ``s`` is drawn from a random generator seeded by
(seed, s, i), so the data are the same on every machine. Each class has its own texture
(a sky gradient, grass, a shaded disc, brick, striped triangles, a road with a dashed line),
so a generator has a real mapping to learn: flat class colours in, textures out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from zoo.data import LabelSpec

CLASSES = ("sky", "grass", "disc", "brick", "tree", "road")
PALETTE = (
    np.array(
        [[70, 130, 180], [107, 142, 35], [220, 20, 60], [128, 64, 128], [250, 170, 30], [190, 153, 153]],
        dtype=np.float32,
    )
    / 255.0
)
SPLITS = {"train": 0, "val": 1, "test": 2}


def draw_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """A label map and an instance map (size x size, int64): sky over grass, a road, trees, a row
    of touching houses and a disc. Instances of things are ``class * 1000 + k`` (the Cityscapes
    convention); stuff keeps its class id. The touching houses share a class, so only the
    instance map tells them apart."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    horizon = rng.uniform(0.3, 0.6)
    labels = np.where(y < horizon, 0, 1)
    instances = labels.copy()

    def paint(mask: np.ndarray, cls: int, instance: int) -> None:
        labels[mask], instances[mask] = cls, instance

    road_top = rng.uniform(horizon + 0.1, 0.85)
    paint((y >= road_top) & (y < road_top + rng.uniform(0.08, 0.15)), 5, 5)
    for k in range(1, rng.integers(2, 4)):
        cx, half, height = rng.uniform(0.1, 0.9), rng.uniform(0.08, 0.18), rng.uniform(0.15, 0.3)
        slope = np.abs(x - cx) <= half * (y - horizon + height) / height
        paint((y <= horizon) & (y >= horizon - height) & slope, 4, 4000 + k)
    left, top = rng.uniform(0.0, 0.4), rng.uniform(horizon - 0.2, horizon)
    for k in range(1, rng.integers(3, 5)):  # houses side by side, each touching the last
        width, height = rng.uniform(0.1, 0.2), rng.uniform(0.12, 0.25)
        paint((x >= left) & (x < left + width) & (y >= top) & (y < top + height), 3, 3000 + k)
        left += width
    cx, cy, r = rng.uniform(0.15, 0.85), rng.uniform(0.1, horizon), rng.uniform(0.05, 0.12)
    paint((x - cx) ** 2 + (y - cy) ** 2 < r**2, 2, 2001)
    return labels.astype(np.int64), instances.astype(np.int64)


def render(labels: np.ndarray, instances: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scene (H, W, 3, float in [0, 1]) for a label map, one texture per class, with a dark
    line where two side-by-side objects of one class meet (visible only to a model that sees the
    instance map)."""
    size = labels.shape[0]
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    u, v = x / size, y / size
    textures = np.stack(
        [
            np.stack([0.45 + 0.4 * v, 0.65 + 0.3 * v, np.full_like(v, 0.95)], -1),  # sky: gradient
            _tint([0.25, 0.55, 0.15], 0.85 + 0.15 * np.sin(x * 0.7) * np.sin(y * 0.9)),  # grass
            _tint([1.0, 0.8, 0.2], 1.0 - 0.5 * np.hypot(np.sin(u * 9), np.sin(v * 9))),  # disc: shading
            _tint([0.65, 0.25, 0.15], np.where((y % 8 < 1) | ((x + 8 * (y // 8 % 2)) % 16 < 1), 1.6, 1.0)),  # brick
            _tint([0.1, 0.4, 0.1], np.where((x + y) % 6 < 3, 1.0, 0.6)),  # tree: diagonal stripes
            _tint([0.3, 0.3, 0.32], np.where((x % 24 < 12) & (y % 16 < 2), 3.0, 1.0)),  # road: dashes
        ]
    )
    image = np.take_along_axis(textures, labels[None, ..., None].repeat(3, -1), 0)[0]
    meets = np.zeros_like(labels, dtype=bool)  # a pixel next to another instance of its own class
    same_class, other = labels[:, 1:] == labels[:, :-1], instances[:, 1:] != instances[:, :-1]
    meets[:, 1:] |= same_class & other
    meets[:, :-1] |= same_class & other
    image[meets] *= 0.3
    return np.clip(image * rng.uniform(0.95, 1.05), 0, 1)


def _tint(colour: list[float], shade: np.ndarray) -> np.ndarray:
    return np.asarray(colour, dtype=np.float32) * shade[..., None]


class SyntheticScenes(Dataset):
    """Procedural label maps (input, as class colours; also as ids with instance maps) and
    textured scenes (target)."""

    @staticmethod
    def label_spec(options: Mapping[str, Any]) -> LabelSpec:
        colours = [tuple(round(c * 255) for c in colour) for colour in PALETTE]
        return LabelSpec(len(CLASSES), instances=True, palette=tuple(zip(CLASSES, colours, strict=True)))

    def __init__(
        self,
        size: int = 256,
        num_samples: int = 200,
        split: Literal["train", "val", "test"] = "train",
        seed: int = 0,
    ):
        self.size, self.num_samples, self.split, self.seed = size, num_samples, split, seed

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, SPLITS[self.split], index])
        labels, instances = draw_scene(rng, self.size)
        return {
            "input": _to_tensor(PALETTE[labels]),
            "target": _to_tensor(render(labels, instances, rng)),
            "label": torch.from_numpy(labels)[None],
            "instance": torch.from_numpy(instances)[None],
        }


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1) * 2 - 1
