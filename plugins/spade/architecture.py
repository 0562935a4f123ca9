"""SPADE / GauGAN (Park et al., CVPR 2019): semantic image synthesis with spatially-adaptive
normalization, a VAE style encoder for multimodal and style-guided synthesis, hinge loss, TTUR."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import torch
from pydantic import Field
from torch.utils.data import Dataset

from zoo.architecture import DiscriminatorOutput, LRSchedule, Phase, Preset
from zoo.config import Count, RunConfig, Settings
from zoo.errors import DataError
from zoo.labelmaps import LabelMapArchitecture, LabelOptions, label_spec
from zoo.plugins.losses.perceptual import weight_if_available
from zoo.registry import Registry

from .convert import import_official
from .encoder import reparameterize
from .pipeline import SPADEPipeline


def _quick() -> dict[str, Any]:
    """The quick preset: small enough for a CPU; the VGG term only where its weights are set
    (the environment variable the VGG loss reads them from)."""
    return {
        "G": {"ngf": 16, "crop_size": 64},
        "D": {"ndf": 32, "n_layers": 3},
        "loss": {"vgg": {"weight": weight_if_available(10.0)}},
        "data": {"size": 64},
        "schedule": {"epochs": 2, "decay_epochs": 2},
        "train": {"sample_every": 100, "checkpoint_every": 400},
    }


class SPADEOptions(LabelOptions):
    """Label-map inputs, and the optimizers as the official options set them."""

    lr: Annotated[float, Field(gt=0)] = 2e-4
    ttur: bool = True
    """Two time-scale update rule (the default): G at lr/2, D at lr*2, betas (0, 0.9). Without
    it both at lr with betas (beta1, beta2)."""
    beta1: float = 0.5
    beta2: float = 0.999


class SPADESchedule(Settings):
    """The official 50 epochs at the full rate (``niter``), then ``decay_epochs`` of linear decay."""

    epochs: Count = 50
    decay_epochs: Count = 0


class SPADEArchitecture(LabelMapArchitecture):
    """SPADE generator from label maps (+ a style code), multi-scale spectral-instance-norm
    discriminators; hinge GAN + 10 x feature matching + 10 x VGG (+ 0.05 x KL with the VAE)."""

    paper = "Semantic Image Synthesis with Spatially-Adaptive Normalization (Park et al., CVPR 2019)"
    networks = {"G": "generator", "D": "discriminator", "E": "encoder"}
    inference_nets = ("G", "E")
    pipeline = SPADEPipeline
    importer = staticmethod(import_official)
    Schedule = SPADESchedule
    Options = SPADEOptions
    joint_discrimination = True
    defaults = {
        "G": {"name": "spade"},
        "D": {"name": "spade_multiscale"},
        "E": {"name": "spade_encoder"},
        "loss": {
            "gan": {"name": "gan", "weight": 1.0, "mode": "hinge", "d_scale": 1.0, "scales": "mean"},
            "feat": {"name": "feature_matching", "weight": 10.0, "layer_weights": "uniform"},
            "vgg": {"name": "vgg", "weight": 10.0},
            "kl": {"name": "kl", "weight": 0.05},
        },
        "optim": {"G": {"name": "adam"}, "D": {"name": "adam"}},  # rates and betas derived from the model section
        "data": {"name": "synthetic"},
    }
    presets = {
        "quick": Preset(
            summary=(
                "64x64 synthetic scenes, a narrow generator (ngf=16) and discriminators (ndf=32, 3 layers), "
                "4 epochs (2 + 2 of decay, 800 iterations), a sample grid every 100 iterations: about 10 "
                "minutes on 2 CPU cores; without the VGG term unless ZOO_VGG19_WEIGHTS names the VGG19 "
                "weights file"
            ),
            layer=_quick,
        )
    }
    data_defaults = {  # the official data sets' modify_commandline_options
        "cityscapes": {
            "G": {"num_upsampling_layers": "more", "crop_size": 512, "aspect_ratio": 2.0},
            "data": {"preprocess": "scale_width", "load_size": 512, "crop_size": 256},
        },
    }

    @classmethod
    def derive(cls, config: RunConfig, registry: Registry) -> dict[str, dict[str, Any]]:
        model = config.model
        labels = LabelOptions.derived(label_spec(config.data, registry), model.instance_edges)
        semantic_nc = label_spec(config.data, registry).semantic_nc + labels["edges"]
        g = config.nets["G"].options
        if model.ttur:
            g_optim, d_optim = {"lr": model.lr / 2, "betas": (0.0, 0.9)}, {"lr": model.lr * 2, "betas": (0.0, 0.9)}
        else:
            g_optim = d_optim = {"lr": model.lr, "betas": (model.beta1, model.beta2)}
        optim = {"G": g_optim, "D": d_optim}
        for group, settings in optim.items():  # betas are Adam's: another optimizer gets the rates alone
            takes = registry.get("optimizer", config.optim[group].name).options()
            optim[group] = {k: v for k, v in settings.items() if k in takes}
        derived: dict[str, Any] = {
            "model": labels,
            "G": {"semantic_nc": semantic_nc},
            "D": {"input_nc": semantic_nc + 3},
            "E": {
                "ngf": g["ngf"],
                "crop_size": g["crop_size"],
                "z_dim": g["z_dim"],
                "init_variance": g["init_variance"],
            },
            "optim": optim,
        }
        if not g["use_vae"]:
            derived["loss"] = {"kl": {"weight": 0.0}}  # no style code, no KL term
        return derived

    @classmethod
    def active_networks(cls, config: RunConfig) -> list[str]:
        return ["G", "D", "E"] if config.nets["G"].options["use_vae"] else ["G", "D"]

    def phases(self, dataset: Dataset) -> list[Phase]:
        s = self.config.schedule
        # a G step, then a D step on a fresh fake made without a graph, as the official trainer
        return [
            Phase(
                "train",
                s.epochs + s.decay_epochs,
                steps=(("G", 1), ("D", 1)),
                share_forward=False,
                schedule=LRSchedule("linear", constant=s.epochs, decay=s.decay_epochs, offset=0),
            )
        ]

    def parameters_for(self, group: str, phase: Phase) -> list[torch.nn.Parameter]:
        params = list(self.nets[group].parameters())
        return params + list(self.nets["E"].parameters()) if group == "G" and "E" in self.nets else params

    def check_batch(self, batch: Mapping[str, Any]) -> None:
        super().check_batch(batch)
        height, width = batch["label"].shape[-2:]
        size = self.nets["G"].output_size
        if size is not None and size != (height, width):
            raise DataError(
                f"the data set gives {width}x{height} images but this VAE generator makes {size[1]}x{size[0]} "
                f"(G.crop_size / G.aspect_ratio); make them agree"
            )

    def discriminate_pair(
        self, batch: Mapping[str, Any], fake: torch.Tensor, real: torch.Tensor
    ) -> tuple[DiscriminatorOutput, DiscriminatorOutput]:
        condition = batch["condition"].repeat(2, 1, 1, 1)
        both = self.net("D")(torch.cat([condition, torch.cat([fake, real])], 1))
        halves = [[f.chunk(2) for f in scale] for scale in both]
        return [[f[0] for f in scale] for scale in halves], [[f[1] for f in scale] for scale in halves]

    def generate(self, batch: Mapping[str, Any]) -> dict[str, torch.Tensor]:
        if "E" not in self.nets:
            return {"fake": self.net("G")(batch["condition"])}
        mu, logvar = self.net("E")(batch["target"])
        return {"fake": self.net("G")(batch["condition"], reparameterize(mu, logvar)), "mu": mu, "logvar": logvar}
