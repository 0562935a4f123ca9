"""Test helpers: tiny configurations that train in about a second on two CPU cores, official key lists."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

import zoo
from zoo.config import RunConfig

REFERENCE = Path(__file__).parent / "data" / "reference"

QUIET = [
    "train.progress=false",
    "train.tensorboard=false",
    "train.log_every=1",
    "train.sample_every=1000",
    "train.checkpoint_every=1000",
    "train.device=cpu",
]
"""Train settings of every tiny test run: no progress bar or TensorBoard, every step logged."""

TINY = [
    "G.name=unet",
    "G.num_downs=5",
    "G.ngf=8",
    "D.ndf=8",
    "data.size=32",
    "data.num_samples=16",
    "schedule.epochs=1",
    "schedule.decay_epochs=1",
    "train.batch_size=4",
    *QUIET,
]
"""A pix2pix run on 16 synthetic 32x32 scenes: 8 iterations of batch 4."""


def tiny_config(*overrides: str, arch: str = "pix2pix", data: str | None = None) -> RunConfig:
    return zoo.make_config(arch, data=data, overrides=[*TINY, *overrides])


def read_reference(name: str) -> dict[str, tuple[tuple[int, ...], str]]:
    """An official key list: ``{key: (shape, dtype)}``."""
    keys = {}
    for line in (REFERENCE / name).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        key, shape, dtype = line.split("\t")
        keys[key] = (tuple(int(s) for s in shape.strip("()").split(",") if s.strip()), dtype)
    return keys


def state_from_reference(name: str) -> dict[str, torch.Tensor]:
    """A random state dict with exactly the official keys, shapes and dtypes."""
    return random_state(read_reference(name))


def random_state(keys: dict[str, tuple[tuple[int, ...], str]], seed: int = 0) -> dict[str, torch.Tensor]:
    """A state dict with exactly these official keys, shapes and dtypes and values that differ per
    key: zero int64 counters, running variances around 1, small random weights."""
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, (shape, dtype) in keys.items():
        if dtype == "int64":
            state[key] = torch.zeros(shape, dtype=torch.int64)
        elif key.endswith("running_var"):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.02
    return state


def narrow(shape: tuple[int, ...], factor: int = 16) -> tuple[int, ...]:
    """A pix2pix/CycleGAN shape at ngf 64 / ``factor``: widths are multiples of 64, kernels and
    image channels (3) are not."""
    return tuple(d // factor if d % 64 == 0 else d for d in shape)


def write_image(path: Path, width: int, height: int, seed: int = 0, mode: str = "RGB") -> Path:
    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1, "RGBA": 4}[mode]
    array = rng.integers(0, 256, (height, width, channels), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array[..., 0] if channels == 1 else array, mode).save(path)
    return path


HD_TINY = [
    "G.ngf=4",
    "G.n_downsample_global=2",
    "G.n_blocks_global=1",
    "D.ndf=8",
    "D.n_layers=2",
    "loss.vgg.weight=0",
    "data.size=32",
    "data.num_samples=8",
    "schedule.epochs=1",
    "schedule.decay_epochs=1",
    "train.batch_size=2",
    *QUIET,
]
"""A pix2pixHD run on 8 synthetic 32x32 scenes with instance maps; the VGG loss off."""

HD_LOCAL = [
    "G.name=pix2pixhd_local",
    "G.n_blocks_local=1",
    "schedule.global_epochs=1",
    "schedule.global_decay_epochs=0",
    "schedule.fix_global_epochs=1",
    "model.instance_features=true",
    "E.nef=4",
    "E.n_downsampling=2",
]
"""With a local enhancer (three phases: global, local, joint) and instance features."""


SPADE_TINY = [
    "G.ngf=4",
    "G.crop_size=64",
    "G.init_variance=1.0",
    "D.ndf=8",
    "D.n_layers=3",
    "loss.vgg.weight=0",
    "data.size=64",
    "data.num_samples=8",
    "schedule.epochs=1",
    "train.batch_size=2",
    *QUIET,
]
"""A SPADE run on 8 synthetic 64x64 scenes (xavier gain 1, so that untrained style codes show)."""


def random_pipeline(arch: str, overrides: list[str]) -> zoo.Pipeline:
    """A pipeline with the random initial weights (seed 0) of ``arch``'s inference networks."""
    from zoo.saved import assemble

    torch.manual_seed(0)
    registry = zoo.get_registry()
    config = zoo.make_config(arch, overrides=overrides)
    model = registry.get("architecture", arch).obj(config, registry)
    names = model.inference_networks(config)
    state = {f"{n}.{k}": v for n in names for k, v in model.nets[n].state_dict().items()}
    return assemble(config, state, "random weights", registry, device="cpu")
