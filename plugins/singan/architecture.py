"""SinGAN (Rott Shaham, Dekel and Michaeli, ICCV 2019): a pyramid of small fully-convolutional
GANs learned from one image, coarsest scale first, each phase training one scale on top of the
frozen ones below it."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from pydantic import Field
from torch import nn
from torch.utils.data import Dataset

from zoo.architecture import Architecture, DiscriminatorOutput, LRSchedule, Phase, Preset
from zoo.config import Count, Positive, RunConfig, Settings
from zoo.errors import ConfigError, DataError
from zoo.registry import Registry

from .convert import import_official
from .pipeline import SinGANPipeline
from .pyramid import channels, pyramid


class SinGANOptions(Settings):
    noise_amp: Annotated[float, Field(gt=0)] = 0.1
    """A scale's noise amplitude: this times the RMSE of the reconstruction arriving from below."""
    batched_pyramid: bool = False
    """Opt-in: draw the frozen scales' random outputs for all of an iteration's steps in one
    batched pass (the same fresh, independent draw a step, but other random numbers than the
    default step-by-step draws, so a run differs from one without it; measured 0.9-1.0x the
    time on a 2-core CPU, ``benchmarks/singan.py``)."""


class SinGANSchedule(Settings):
    """The official ``niter`` iterations per scale, decayed by ``gamma`` at ``decay_at``, with
    ``d_steps`` critic and ``g_steps`` generator steps each."""

    iterations: Positive = 2000
    decay_at: Count = 1600
    gamma: Annotated[float, Field(gt=0, le=1)] = 0.1
    d_steps: Positive = 3
    g_steps: Positive = 3


class SinGAN(Architecture):
    """Per-scale generators and critics; WGAN-GP (lambda 0.1) + 10 x reconstruction MSE."""

    paper = "SinGAN: Learning a Generative Model from a Single Natural Image (Rott Shaham et al., ICCV 2019)"
    pipeline = SinGANPipeline
    task = "unconditional-image-generation"
    discrimination_order = ("real", "fake")  # the official critic step: D(real), D(fake), then the penalty
    limitations = "A SinGAN model knows one image: it recombines that image's patches and nothing else."
    importer = staticmethod(import_official)
    Schedule = SinGANSchedule
    Options = SinGANOptions
    defaults = {
        "G": {"name": "singan"},
        "D": {"name": "singan_critics"},
        "loss": {
            "gan": {"name": "gan", "weight": 1.0, "mode": "wgan", "d_scale": 1.0},
            "gp": {"name": "gradient_penalty", "weight": 0.1},
            "rec": {"name": "mse", "weight": 10.0, "output": "rec"},
        },
        "optim": {
            "G": {"name": "adam", "lr": 5e-4, "betas": (0.5, 0.999)},
            "D": {"name": "adam", "lr": 5e-4, "betas": (0.5, 0.999)},
        },
        "data": {"name": "single-image"},
        "train": {"sample_every": 500, "checkpoint_every": 500, "num_samples": 1},
    }
    presets = {
        "quick": Preset(
            summary=(
                "the training image at 80 pixels on its long side instead of 250 (5 scales for the balloons "
                "instead of 9), every scale 32 channels wide (max_nfc=32), 100 iterations per scale (decay at "
                "80) instead of 2000, a sample grid every 50 iterations: about 10 minutes on 2 CPU cores"
            ),
            layer={
                "G": {"max_size": 80, "max_nfc": 32},
                "schedule": {"iterations": 100, "decay_at": 80},
                "train": {"sample_every": 50, "checkpoint_every": 100},
            },
        )
    }

    @classmethod
    def fill(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        if config.nets["G"].options["image_size"] is not None:
            return {}
        image = registry.create("dataset", config.data.name, **config.data.options)[0]["target"]
        return {"G": {"image_size": tuple(image.shape[-2:])}}

    @classmethod
    def derive(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        g = config.nets["G"].options
        sizes, _ = pyramid(*g["image_size"], g["min_size"], g["max_size"], g["scale_factor"])
        shared = ("nfc", "min_nfc", "max_nfc", "num_layer", "kernel_size")
        return {"D": {"num_scales": len(sizes), **{k: g[k] for k in shared}}}

    @classmethod
    def checkpoint_config(cls, config: RunConfig, phase: str) -> RunConfig:
        """A checkpoint taken during scale k samples with scales 0 to k: those above are untrained."""
        scale = int(phase.removeprefix("scale "))
        if scale + 1 >= config.nets["D"].options["num_scales"]:
            return config
        limited = copy.deepcopy(config)
        limited.nets["G"].options["trained_scales"] = scale + 1
        return limited

    def __init__(self, config: RunConfig, registry: Registry):
        if dist.is_initialized() and dist.get_world_size() > 1:
            raise ConfigError("SinGAN learns from one image in one process: run it without torchrun")
        super().__init__(config, registry)
        self.scale = 0
        self._below: tuple[int, torch.Tensor] | None = None
        self._real: tuple[tuple, torch.Tensor] | None = None

    # --- phases -----------------------------------------------------------------------------
    def phases(self, dataset: Dataset) -> list[Phase]:
        s = self.config.schedule
        schedule = LRSchedule("multistep", milestones=(s.decay_at,), gamma=s.gamma)
        steps = (("D", s.d_steps), ("G", s.g_steps))
        return [
            Phase(f"scale {i}", s.iterations, "iteration", steps, schedule, share_forward=False, options={"scale": i})
            for i in range(len(self.nets["G"]))
        ]

    def phase_cost(self, phase: Phase) -> float:
        """An iteration at scale i costs about its pixels times its width squared (the convolutions)
        at its own scale, plus the forward passes through the frozen scales below."""
        g, i = self.nets["G"], phase.options["scale"]
        nfc = self.config.nets["G"].options

        def work(k: int) -> float:
            return g.sizes[k][0] * g.sizes[k][1] * channels(k, nfc["nfc"], nfc["max_nfc"]) ** 2

        return work(i) + sum(work(k) for k in range(i)) / 3  # below: forward only, no backward

    def build_phase(self, phase: Phase) -> None:
        self.scale = phase.options["scale"]
        self.train(self.training)

    def train(self, mode: bool = True) -> SinGAN:
        """Only the scale in training is in training mode: the frozen ones below it use their
        batch-norm statistics, as the official code puts them in eval mode."""
        super().train(mode)
        for i, (g, d) in enumerate(zip(self.nets["G"].scales, self.nets["D"].critics, strict=True)):
            g.train(mode and i == self.scale)
            d.train(mode and i == self.scale)
        return self

    def start_phase(self, phase: Phase, dataset: Dataset) -> None:
        """Coarsest scale: draw z*. Above: start from the scale below when the widths agree,
        and set the noise amplitude from how far the reconstruction arriving here is off."""
        g, d, i = self.nets["G"], self.nets["D"], self.scale
        if i == 0:
            g.z_star.copy_(g.noise(0, g.sizes[0]))
            return
        for nets in (g.scales, d.critics):
            if nets[i].head.conv.weight.shape == nets[i - 1].head.conv.weight.shape:
                nets[i].load_state_dict(nets[i - 1].state_dict())
        real = self.prepare_batch({"target": dataset[0]["target"][None].to(g.z_star.device)})["real"]
        rmse = torch.sqrt(F.mse_loss(real, self.reconstruction_below(i)))
        g.noise_amps[i] = self.config.model.noise_amp * rmse

    def parameters_for(self, group: str, phase: Phase) -> Iterable[nn.Parameter]:
        nets = self.nets["G"].scales if group == "G" else self.nets["D"].critics
        return nets[phase.options["scale"]].parameters()

    # --- the forward pass -------------------------------------------------------------------
    def check_batch(self, batch: Mapping[str, Any]) -> None:
        (height, width), expected = batch["target"].shape[-2:], tuple(self.config.nets["G"].options["image_size"])
        if (height, width) != expected:
            raise DataError(
                f"the training image is {width}x{height} but G.image_size makes it {expected[1]}x{expected[0]}: "
                f"leave G.image_size out to take it from the image"
            )

    def prepare_batch(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """The image at this scale (shrunk to the finest scale first, then to this one, as the
        official pyramid of reals) and the iteration's noise."""
        g, i, image = self.nets["G"], self.scale, batch["target"]
        key = (i, tuple(image.shape), float(image[..., ::31, ::31].sum()))  # the one image, once per scale
        if self._real is None or self._real[0] != key:
            self._real = key, g.real(image, i)
        real = self._real[1]
        prepared = {**batch, "real": real, "noise": g.noise(i, g.sizes[i], len(real))}
        if i and self.training and self.config.model.batched_pyramid:
            steps = self.config.schedule.d_steps + self.config.schedule.g_steps
            prepared["below"] = _Draws(steps)
        return prepared

    @torch.no_grad()
    def random_below(self, scale: int, count: int) -> torch.Tensor:
        """``count`` fresh samples of the frozen scales below ``scale``, moved up to it."""
        g = self.nets["G"]
        return g.up(g(count, end=scale - 1), g.sizes[scale])

    @torch.no_grad()
    def reconstruction_below(self, scale: int) -> torch.Tensor:
        """What the frozen scales make of z*, moved up to ``scale`` (zeros at the coarsest)."""
        if self._below is None or self._below[0] != scale:
            g = self.nets["G"]
            below = g.up(g.reconstruct(scale - 1), g.sizes[scale]) if scale else torch.zeros_like(g.z_star)
            self._below = scale, below
        return self._below[1]

    def generate(self, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        """A sample at this scale from fresh noise below it (the next of the iteration's batched
        draws, where there are), with gradients (generator steps) also the reconstruction from z*."""
        g, i, noise = self.nets["G"], self.scale, batch["noise"]
        draws = batch.get("below")
        prev = (
            torch.zeros_like(noise)
            if not i
            else draws.next(lambda n: self.random_below(i, n * len(noise)).split(len(noise)))
            if draws is not None
            else self.random_below(i, len(noise))
        )
        outputs = {"fake": g.step(i, noise, prev)}
        if torch.is_grad_enabled():
            below = self.reconstruction_below(i)
            outputs["rec"] = g.step(i, g.z_star if i == 0 else torch.zeros_like(below), below)
        return outputs

    def discriminate(self, batch: Mapping[str, Any], image: torch.Tensor) -> DiscriminatorOutput:
        return [[self.nets["D"].critics[self.scale](image)]]

    def real(self, batch: Mapping[str, Any]) -> torch.Tensor:
        return batch["real"]

    def visuals(self, batch: Mapping[str, Any], outputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"sample": outputs["fake"], "training image": batch["real"]}


class _Draws:
    """An iteration's batched draws of the frozen scales, made by its first step (so under the
    step's autocast) and handed out one a step; a step beyond them draws its own."""

    def __init__(self, steps: int):
        self.steps, self.left, self.made = steps, [], False

    def next(self, draw: Callable[[int], Sequence[torch.Tensor]]) -> torch.Tensor:
        if not self.made:
            self.left, self.made = list(draw(self.steps)), True
        return self.left.pop(0) if self.left else draw(1)[0]
