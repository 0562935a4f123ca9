"""The embedded default data set: procedurally drawn label maps and the textured scenes they stand for.

Nothing is downloaded: sample ``i`` of split ``s`` is drawn from a random generator seeded by
(seed, s, i), so the data are the same on every machine. Each class has its own texture
(a sky gradient, grass, a shaded disc, brick, striped triangles, a road with a dashed line),
so a generator has a real mapping to learn: flat class colours in, textures out.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch.utils.data import Dataset

CLASSES = ("sky", "grass", "disc", "brick", "tree", "road")
PALETTE = (
    np.array(
        [[70, 130, 180], [107, 142, 35], [220, 20, 60], [128, 64, 128], [250, 170, 30], [190, 153, 153]],
        dtype=np.float32,
    )
    / 255.0
)
SPLITS = {"train": 0, "val": 1, "test": 2}


def draw_labels(rng: np.random.Generator, size: int) -> np.ndarray:
    """A label map (size x size, int64): sky over grass, a road, trees, boxes and a disc."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    horizon = rng.uniform(0.3, 0.6)
    labels = np.where(y < horizon, 0, 1)
    road_top = rng.uniform(horizon + 0.1, 0.85)
    labels[(y >= road_top) & (y < road_top + rng.uniform(0.08, 0.15))] = 5
    for _ in range(rng.integers(1, 3)):
        cx, half, height = rng.uniform(0.1, 0.9), rng.uniform(0.08, 0.18), rng.uniform(0.15, 0.3)
        inside = (y <= horizon) & (y >= horizon - height) & (np.abs(x - cx) <= half * (y - horizon + height) / height)
        labels[inside] = 4
    for _ in range(rng.integers(1, 3)):
        x0, y0 = rng.uniform(0.0, 0.75), rng.uniform(horizon - 0.2, horizon + 0.1)
        labels[(x >= x0) & (x < x0 + rng.uniform(0.1, 0.25)) & (y >= y0) & (y < y0 + rng.uniform(0.1, 0.25))] = 3
    cx, cy, r = rng.uniform(0.15, 0.85), rng.uniform(0.1, horizon), rng.uniform(0.05, 0.12)
    labels[(x - cx) ** 2 + (y - cy) ** 2 < r**2] = 2
    return labels.astype(np.int64)


def render(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The scene (H, W, 3, float in [0, 1]) for a label map, one texture per class."""
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
    return np.clip(image * rng.uniform(0.95, 1.05), 0, 1)


def _tint(colour: list[float], shade: np.ndarray) -> np.ndarray:
    return np.asarray(colour, dtype=np.float32) * shade[..., None]


class SyntheticScenes(Dataset):
    """Procedural label maps (input, as class colours) and textured scenes (target)."""

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
        labels = draw_labels(rng, self.size)
        scene = render(labels, rng)
        return {
            "input": _to_tensor(PALETTE[labels]),
            "target": _to_tensor(scene),
            "label": torch.from_numpy(labels)[None],
        }


def _to_tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1) * 2 - 1
