"""pix2pix (Isola et al., CVPR 2017): a conditional GAN with an L1 term, G(A) -> B judged as (A, B) pairs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from pydantic import model_validator
from torch.utils.data import Dataset

from zoo.architecture import Architecture, DiscriminatorOutput, LRSchedule, Phase, Preset
from zoo.config import Count, RunConfig, Settings
from zoo.errors import DataError
from zoo.registry import Registry

from .convert import import_official
from .pipeline import Pix2PixPipeline


class Pix2PixSchedule(Settings):
    """The paper's 100 epochs at the full rate, then 100 of linear decay to zero."""

    epochs: Count = 100
    decay_epochs: Count = 100

    @model_validator(mode="after")
    def _some_training(self) -> Pix2PixSchedule:
        if self.epochs + self.decay_epochs < 1:
            raise ValueError("epochs + decay_epochs must be at least 1")
        return self


class Pix2Pix(Architecture):
    """Conditional GAN: a U-Net maps A to B, a PatchGAN judges (A, B) pairs; GAN + 100 x L1."""

    paper = "Image-to-Image Translation with Conditional Adversarial Networks (Isola et al., CVPR 2017)"
    pipeline = Pix2PixPipeline
    importer = staticmethod(import_official)
    Schedule = Pix2PixSchedule
    defaults = {
        "G": {"name": "unet_256"},
        "D": {"name": "patchgan", "n_layers": 3},
        "loss": {
            "gan": {"name": "gan", "weight": 1.0, "mode": "vanilla", "d_scale": 0.5},
            "l1": {"name": "l1", "weight": 100.0},
        },
        "optim": {
            "G": {"name": "adam", "lr": 2e-4, "betas": (0.5, 0.999)},
            "D": {"name": "adam", "lr": 2e-4, "betas": (0.5, 0.999)},
        },
        "data": {"name": "synthetic"},
        "train": {"batch_size": 1},
    }
    presets = {
        "quick": Preset(
            summary=(
                "128x128 synthetic scenes, a 7-level U-Net (unet_128) and a PatchGAN at half width "
                "(ngf=ndf=32), 10 epochs (6 + 4 of decay, 2000 iterations), a sample grid every 200 "
                "iterations: about 10 minutes on 2 CPU cores"
            ),
            layer={
                "G": {"name": "unet_128", "ngf": 32},
                "D": {"ndf": 32},
                "data": {"size": 128},
                "schedule": {"epochs": 6, "decay_epochs": 4},
                "train": {"sample_every": 200, "checkpoint_every": 1000},
            },
        )
    }

    @classmethod
    def derive(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        g = config.nets["G"].options
        return {"D": {"input_nc": g["input_nc"] + g["output_nc"]}}  # D sees input and output stacked

    def check_batch(self, batch: Mapping[str, Any]) -> None:
        g = self.config.nets["G"]
        for key, option in (("input", "input_nc"), ("target", "output_nc")):
            if batch[key].shape[1] != g.options[option]:
                raise DataError(
                    f"the data set gives {key} images of {batch[key].shape[1]} channel(s) but "
                    f"G.{option}={g.options[option]}; make them agree (data.{option} or G.{option})"
                )
        multiple = getattr(self.nets["G"], "size_multiple", 1)
        height, width = batch["input"].shape[-2:]
        if height % multiple or width % multiple:
            raise DataError(
                f"the data set gives {width}x{height} images but {g.name} needs multiples of {multiple}; "
                f"set data.crop_size (or data.size) to a multiple of {multiple}, or use a generator for this size"
            )

    def phases(self, dataset: Dataset) -> list[Phase]:
        s = self.config.schedule
        return [
            Phase(
                "train",
                s.epochs + s.decay_epochs,
                unit="epoch",
                steps=(("D", 1), ("G", 1)),
                schedule=LRSchedule("linear", constant=s.epochs, decay=s.decay_epochs),
            )
        ]

    def generate(self, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        return {"fake": self.net("G")(batch["input"])}

    def discriminate(self, batch: Mapping[str, Any], image: torch.Tensor) -> DiscriminatorOutput:
        return [[self.net("D")(torch.cat([batch["input"], image], 1))]]
