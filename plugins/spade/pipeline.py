"""SPADE inference: label maps in, photos out; with the VAE, one per style code (multimodal) or
in the style of a reference photo."""

from __future__ import annotations

from typing import Any

import torch

from zoo.errors import ZooError
from zoo.graph import GraphInput, GraphSpec
from zoo.images import OutputType, to_batch
from zoo.inference import inference
from zoo.labelmaps import LabelMapPipeline, StyleControls


class SPADEPipeline(LabelMapPipeline):
    """Synthesizes photos from label maps (and instance maps, where the model uses them).

    A model trained with the VAE takes a style: ``z`` (N, z_dim) codes, a ``style`` photo whose
    code's mean is used, or, by default, codes drawn from N(0, I) with ``seed``, so the same seed
    gives the same picture and another seed another one.
    """

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
        label_batch, instance_batch, single = self.maps(labels, instances)
        if style is not None:
            if z is not None:
                raise ZooError("pass a style photo or style codes z, not both")
            z = self.encode(to_batch(style, 3)[0] * 2 - 1)[0]
        return self.output(self.synthesize(label_batch, instance_batch, z, seed), output_type, single)

    def style_controls(self) -> StyleControls:
        """With the VAE: a seed for the style code z, and a style photo where the encoder is here."""
        if not getattr(self.nets["G"], "use_vae", False):
            return StyleControls()
        return StyleControls(seed=True, photo="E" in self.nets)

    def graph_spec(self) -> GraphSpec:
        """The generator over the encoded maps, and a style code ``z`` with the VAE (whose
        first layer fixes the size)."""
        spec, generator = super().graph_spec(), self.nets["G"]
        spec.attributes |= {"use_vae": generator.use_vae, "z_dim": generator.z_dim, "output_size": None}
        if generator.use_vae:
            spec.inputs.append(GraphInput("z", ("N", generator.z_dim), "noise"))
            spec.multiple, spec.size = None, generator.output_size
            spec.attributes["output_size"] = generator.output_size
        return spec

    @inference
    def encode(self, photos: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Style codes' mean and log-variance of photos (N, 3, H, W) in [-1, 1]."""
        if "E" not in self.nets:
            raise ZooError("this model has no style encoder (trained without the VAE, or an exported graph of G alone)")
        return self.nets["E"](photos.to(self.device))

    @inference
    def synthesize(
        self, labels: torch.Tensor, instances: torch.Tensor, z: torch.Tensor | None = None, seed: int = 0
    ) -> torch.Tensor:
        """Images in [-1, 1] for label and instance batches (N, 1, H, W)."""
        generator = self.nets["G"]
        ready = self.prepare(labels, instances)
        (height, width), condition = ready.size, ready.condition
        if generator.output_size not in (None, tuple(condition.shape[-2:])):
            raise ZooError(
                f"this VAE model makes {generator.output_size[1]}x{generator.output_size[0]} images; label maps of "
                f"{width}x{height} do not fit"
            )
        if generator.use_vae:
            if z is None:
                z = torch.randn(len(condition), generator.z_dim, generator=torch.Generator().manual_seed(seed))
            z = _codes(z, len(condition), generator.z_dim).to(self.device)
        elif z is not None:
            raise ZooError("this model was trained without the VAE, so it takes no style code or style photo")
        return generator(condition, z)[..., :height, :width]


def _codes(z: torch.Tensor, count: int, z_dim: int) -> torch.Tensor:
    """``z`` as ``count`` codes: one code (or style photo) serves every label map."""
    if z.ndim != 2 or z.shape[1] != z_dim or z.shape[0] not in (1, count):
        raise ZooError(
            f"style codes of shape {tuple(z.shape)} for {count} label map(s): give (1, {z_dim}) or ({count}, {z_dim}), "
            f"one style photo or {count}"
        )
    return z.expand(count, -1)
