"""pix2pixHD (Wang et al., CVPR 2018): coarse-to-fine generation from label and instance maps,
multi-scale discriminators, feature matching and VGG losses, instance styles."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import torch
import torch.nn.functional as F
from torch.utils.data import Dataset, default_collate

from zoo.architecture import LRSchedule, Phase, Preset
from zoo.config import Component, Count, RunConfig, Settings
from zoo.data import to_device
from zoo.errors import ConfigError
from zoo.labelmaps import LabelMapArchitecture, LabelOptions, label_spec
from zoo.plugins.losses.perceptual import weight_if_available
from zoo.registry import Registry

from .convert import import_official
from .generators import GlobalGenerator, LocalEnhancer
from .pipeline import Pix2PixHDPipeline
from .styles import cluster_styles

Stage = Literal["train", "global", "local", "joint"]


def _quick() -> dict[str, Any]:
    """The quick preset: small enough for a CPU; the VGG term only where its weights are set
    (the environment variable the VGG loss reads them from)."""
    return {
        "G": {"ngf": 16, "n_downsample_global": 3, "n_blocks_global": 3},
        "D": {"ndf": 32},
        "loss": {"vgg": {"weight": weight_if_available(10.0)}},
        "data": {"size": 128},
        "schedule": {"epochs": 4, "decay_epochs": 4},
        "train": {"sample_every": 200, "checkpoint_every": 800},
    }


class Pix2PixHDOptions(LabelOptions):
    """Label-map inputs, and whether to learn instance styles."""

    instance_features: bool = False
    """Train the feature encoder E and learn per-class styles (the official ``--instance_feat``)."""


class Pix2PixHDSchedule(Settings):
    """Epochs of the paper's schedule. With the local enhancer: the global generator alone at reduced
    resolution, then the local enhancer with the global part fixed, then everything together."""

    epochs: Count = 100
    decay_epochs: Count = 100
    global_epochs: Count = 100
    """Local-enhancer models only: epochs of the global generator at 1/2**n_local_enhancers size."""
    global_decay_epochs: Count = 100
    fix_global_epochs: Count = 10
    """Local-enhancer models only: the first epochs of ``epochs`` train the enhancer alone."""


class Pix2PixHD(LabelMapArchitecture):
    """pix2pixHD: label maps + instance boundaries (+ instance styles) -> photo; LSGAN, feature
    matching and VGG losses over multi-scale discriminators."""

    paper = "High-Resolution Image Synthesis and Semantic Manipulation with Conditional GANs (Wang et al., CVPR 2018)"
    networks = {"G": "generator", "D": "discriminator", "E": "encoder"}
    inference_nets = ("G", "E")
    pipeline = Pix2PixHDPipeline
    importer = staticmethod(import_official)
    Schedule = Pix2PixHDSchedule
    Options = Pix2PixHDOptions
    defaults = {
        "G": {"name": "pix2pixhd_global"},
        "D": {"name": "pix2pixhd_multiscale", "num_D": 2, "n_layers": 3},
        "E": {"name": "pix2pixhd_encoder"},
        "loss": {
            "gan": {"name": "gan", "weight": 1.0, "mode": "lsgan", "d_scale": 0.5, "scales": "sum"},
            "feat": {"name": "feature_matching", "weight": 10.0, "layer_weights": "pix2pixhd"},
            "vgg": {"name": "vgg", "weight": 10.0},
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
                "128x128 synthetic scenes, a narrow global generator (ngf=16, 3 downsamplings, 3 residual "
                "blocks) and discriminators (ndf=32), 8 epochs (4 + 4 of decay, 1600 iterations), a sample "
                "grid every 200 iterations: about 10 minutes on 2 CPU cores; without the VGG term unless "
                "ZOO_VGG19_WEIGHTS names the VGG19 weights file"
            ),
            layer=_quick,
        )
    }

    def __init__(self, config: RunConfig, registry: Registry):
        super().__init__(config, registry)
        self.stage: Stage = "train"

    # --- configuration ----------------------------------------------------------------------
    @classmethod
    def derive(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        spec = label_spec(config.data, registry)
        model = LabelOptions.derived(spec, config.model.instance_edges)
        conditioning = spec.semantic_nc + model["edges"]
        features = config.nets["E"].options["feat_num"] if config.model.instance_features else 0
        image_nc = config.nets["G"].options["output_nc"]
        return {
            "model": model,
            "G": {"input_nc": conditioning + features},
            "D": {"input_nc": conditioning + image_nc},
            "E": {"input_nc": image_nc, "label_nc": spec.label_nc},
        }

    @classmethod
    def check(cls, config: RunConfig) -> None:
        s = config.schedule
        if config.nets["G"].name == "pix2pixhd_local" and s.fix_global_epochs > s.epochs:
            raise ConfigError(
                f"schedule.fix_global_epochs={s.fix_global_epochs} exceeds schedule.epochs={s.epochs}: the "
                f"fixed-global epochs are the first of the local enhancer's constant-rate epochs"
            )

    @classmethod
    def active_networks(cls, config: RunConfig) -> list[str]:
        return ["G", "D", "E"] if config.model.instance_features else ["G", "D"]

    # --- phases -----------------------------------------------------------------------------
    def phases(self, dataset: Dataset) -> list[Phase]:
        s = self.config.schedule

        def phase(name: Stage, constant: int, decay: int, carry: tuple[str, ...] = ()) -> Phase:
            # one forward, then G's update and D's, as in the official loop; the official decay rule
            schedule = LRSchedule("linear", constant=constant, decay=decay, offset=0)
            steps = (("G", 1), ("D", 1))
            return Phase(name, constant + decay, steps=steps, schedule=schedule, carry=carry, options={"stage": name})

        if self.config.nets["G"].name != "pix2pixhd_local":
            return [phase("train", s.epochs, s.decay_epochs)]
        phases = [
            phase("global", s.global_epochs, s.global_decay_epochs),
            phase("local", s.fix_global_epochs, 0),
            phase("joint", s.epochs - s.fix_global_epochs, s.decay_epochs, carry=("D",)),  # only G's Adam restarts
        ]
        return [p for p in phases if p.length]

    def build_phase(self, phase: Phase) -> None:
        """The global phase trains a complete global generator; the next phase puts it, without its
        output layers, inside a fresh local enhancer."""
        self.stage = phase.options["stage"]
        generator = self.nets["G"]
        if self.stage == "global" and isinstance(generator, LocalEnhancer):
            self.nets["G"] = generator.global_generator()
        elif self.stage in ("local", "joint") and isinstance(generator, GlobalGenerator):
            enhancer = self.build_nets(self.config, self.registry, ["G"])["G"]
            enhancer.load_global(generator)
            self.nets["G"] = enhancer

    def parameters_for(self, group: str, phase: Phase) -> list[torch.nn.Parameter]:
        if group != "G":
            return list(self.nets[group].parameters())
        generator = self.nets["G"]
        params = generator.enhancer_parameters() if self.stage == "local" else list(generator.parameters())
        return params + (list(self.nets["E"].parameters()) if "E" in self.nets else [])

    def finish(self, dataset: Dataset) -> None:
        """After training: encode every training instance (no crops or flips, as the official
        ``encode_features.py``) and cluster the styles per class."""
        if "E" not in self.nets:
            return
        device = next(self.parameters()).device
        augment, dataset.augment = getattr(dataset, "augment", False), False
        try:
            batches = (
                self.prepare_batch(to_device(default_collate([dataset[i]]), device)) for i in range(len(dataset))
            )
            cluster_styles(self.nets["E"], batches, len(dataset))
        finally:
            dataset.augment = augment

    @classmethod
    def checkpoint_config(cls, config: RunConfig, phase: str) -> RunConfig:
        """A checkpoint of the global phase holds the complete global generator G1 (trained at a
        fraction of the resolution), not yet the local enhancer."""
        if phase != "global":
            return config
        g = config.nets["G"].options
        names = ("input_nc", "output_nc", "n_downsample_global", "n_blocks_global", "norm", "padding")
        options = {k: g[k] for k in names} | {"ngf": g["ngf"] * 2 ** g["n_local_enhancers"]}
        return dataclasses.replace(config, nets={**config.nets, "G": Component("pix2pixhd_global", options)})

    # --- the forward pass -------------------------------------------------------------------
    def resize(
        self, classes: torch.Tensor, instances: torch.Tensor, photos: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The global phase learns at a fraction of the resolution."""
        if self.stage != "global":
            return classes, instances, photos
        factor = 2 ** self.config.nets["G"].options["n_local_enhancers"]
        classes, instances = (
            F.interpolate(m.float(), scale_factor=1 / factor, mode="nearest").long() for m in (classes, instances)
        )
        photos = F.interpolate(photos, scale_factor=1 / factor, mode="bicubic", antialias=True).clamp(-1, 1)
        return classes, instances, photos

    def generate(self, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        condition = batch["condition"]
        if "E" in self.nets:
            condition = torch.cat([condition, self.net("E")(batch["target"], batch["instance"])], 1)
        return {"fake": self.net("G")(condition)}
