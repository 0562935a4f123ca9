"""SPADE inference: label maps in, photos out; with the VAE, one per style code (multimodal) or
in the style of a reference photo."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import torch

from zoo.errors import ZooError
from zoo.images import OutputType, from_batch, to_batch, to_id_batch
from zoo.pipeline import Pipeline
from zoo.plugins.pix2pixhd.inputs import LabelEncoding, label_encoding

from .encoder import ConvEncoder


class SPADEPipeline(Pipeline):
    """Synthesizes photos from label maps (and instance maps, where the model uses them).

    A model trained with the VAE takes a style: ``z`` (N, z_dim) codes, a ``style`` photo whose
    code's mean is used, or, by default, codes drawn from N(0, I) with ``seed``, so the same seed
    gives the same picture and another seed another one.
    """

    @cached_property
    def encoding(self) -> LabelEncoding:
        return label_encoding(self.config, self.nets["G"])

    def __call__(
        self,
        labels: Any,
        instances: Any = None,
        *,
        style: Any = None,
        z: torch.Tensor | None = None,
        seed: int = 0,
        output_type: OutputType = "pil",
    ) -> Any:
        label_batch, single = to_id_batch(labels)
        instance_batch = label_batch.clone() if instances is None else to_id_batch(instances)[0]
        if style is not None:
            z = self.encode(to_batch(style, 3)[0] * 2 - 1)[0]
        images = self.synthesize(label_batch, instance_batch, z, seed)
        return from_batch((images.float().clamp(-1, 1) + 1) / 2, output_type, single)

    @torch.inference_mode()
    def encode(self, photos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Style codes' mean and log-variance of photos (N, 3, H, W) in [-1, 1]."""
        return self._encoder()(photos.to(self.device))

    @torch.inference_mode()
    def synthesize(
        self, labels: torch.Tensor, instances: torch.Tensor, z: torch.Tensor | None = None, seed: int = 0
    ) -> torch.Tensor:
        """Images in [-1, 1] for label and instance batches (N, 1, H, W)."""
        generator = self.nets["G"]
        if instances.shape != labels.shape:
            raise ZooError(
                f"instance maps {tuple(instances.shape[-2:])} differ from the labels {tuple(labels.shape[-2:])}"
            )
        classes = self.encoding.spec.classes(labels.to(self.device))
        height, width = classes.shape[-2:]
        classes, instances = self.encoding.pad(classes, instances.to(self.device))
        if generator.output_size not in (None, tuple(classes.shape[-2:])):
            raise ZooError(
                f"this VAE model makes {generator.output_size[1]}x{generator.output_size[0]} images; label maps of "
                f"{width}x{height} do not fit"
            )
        if generator.use_vae:
            if z is None:
                g = torch.Generator().manual_seed(seed)
                z = torch.randn(classes.shape[0], generator.z_dim, generator=g)
            z = z.to(self.device).expand(classes.shape[0], -1)
        elif z is not None:
            raise ZooError("this model was trained without the VAE, so it takes no style code or style photo")
        return generator(self.encoding(classes, instances), z)[..., :height, :width]

    def _encoder(self) -> ConvEncoder:
        if "E" not in self.nets:
            raise ZooError("this model was trained without the VAE, so it has no style encoder")
        return self.nets["E"]
