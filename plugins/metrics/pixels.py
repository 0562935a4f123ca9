"""PSNR and SSIM between generated and real images (SinGAN's super-resolution, or any paired
model), on saved-image (uint8) values, by torchmetrics."""

from __future__ import annotations

from typing import ClassVar

import torch

from zoo.metric import EvalBatch, Metric, as_saved


class _Paired(Metric):
    needs = ("real",)
    name: ClassVar[str]

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.values: list[torch.Tensor] = []

    def update(self, batch: EvalBatch) -> None:
        fake, real = (as_saved(x).double() for x in (batch.fake, batch.real))
        self.values.append(self.score(fake, real))

    def compute(self) -> dict[str, float]:
        return {self.name: float(torch.cat(self.values).mean())}


class PSNR(_Paired):
    """Peak signal-to-noise ratio in dB over RGB in [0, 1], per image then averaged."""

    name = "psnr"
    higher_is_better: ClassVar[dict[str, bool]] = {"psnr": True}

    @staticmethod
    def score(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        from torchmetrics.functional.image import peak_signal_noise_ratio

        return peak_signal_noise_ratio(fake, real, data_range=1.0, reduction="none", dim=(1, 2, 3))


class SSIM(_Paired):
    """Structural similarity (Gaussian window 11, sigma 1.5) over RGB, per image then averaged."""

    name = "ssim"
    higher_is_better: ClassVar[dict[str, bool]] = {"ssim": True}

    @staticmethod
    def score(fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        from torchmetrics.functional.image import structural_similarity_index_measure

        return structural_similarity_index_measure(fake, real, data_range=1.0, reduction="none")
