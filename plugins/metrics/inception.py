"""FID and KID on the TF-ported Inception-v3 (torch-fidelity's extractor, as the community
measures them), and SinGAN's SIFID on torchvision's ImageNet Inception-v3 at the layer the
official SIFID code reads."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from zoo.errors import ZooError
from zoo.metric import EvalBatch, Metric, as_saved, quantize, weights_file, weights_record

FID_ENV = "ZOO_INCEPTION_FID_WEIGHTS"
FID_FILE = "weights-inception-2015-12-05-6726825d.pth"
FID_URL = f"https://github.com/toshas/torch-fidelity/releases/download/v0.2.0/{FID_FILE}"
SIFID_ENV = "ZOO_INCEPTION_IMAGENET_WEIGHTS"
SIFID_FILE = "inception_v3_google-0cc3c7bd.pth"
SIFID_URL = f"https://download.pytorch.org/models/{SIFID_FILE}"


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """The Fréchet distance between Gaussians fitted to feature rows ``a`` and ``b`` (torch-fidelity's
    statistics: mean, unbiased covariance, the trace of the product's square root by eigenvalues)."""
    from torch_fidelity.metric_fid import fid_features_to_statistics, fid_statistics_to_metric

    if len(a) < 2 or len(b) < 2:
        raise ZooError(f"a Fréchet distance needs at least 2 feature vectors a side, got {len(a)} and {len(b)}")
    stats = [fid_features_to_statistics(f.double().cpu()) for f in (a, b)]
    return fid_statistics_to_metric(*stats, verbose=False)["frechet_inception_distance"]


class _InceptionMetric(Metric):
    """Collects Inception-v3 pool features (2048-d) of saved-image (uint8) fakes and reals; the
    extractor resizes to 299x299 with TensorFlow's bilinear, as torch-fidelity and clean-fid do."""

    needs = ("real",)

    def __init__(self, file: str | None = None):
        from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3

        self.path = weights_file(
            file,
            FID_ENV,
            f"the TF-ported Inception-v3 weights pt_inception-2015-12-05 ({FID_FILE})",
            FID_URL,
            f"{type(self).__name__.lower()}.file",  # fid.file, kid.file
        )
        self.extractor = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], str(self.path)).eval()
        self.weights = weights_record(self.path)
        self.reset()

    def reset(self) -> None:
        self.fake: list[torch.Tensor] = []
        self.real: list[torch.Tensor] = []

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> torch.Tensor:
        device = next(self.extractor.parameters()).device
        return self.extractor(quantize(images).to(device))[0].double().cpu()

    def update(self, batch: EvalBatch) -> None:
        self.fake.append(self._features(batch.fake))
        self.real.append(self._features(batch.real))

    def protocol(self) -> dict[str, Any]:
        return {
            "features": "Inception-v3 pool3 (2048), torch-fidelity inception-v3-compat, uint8 input, 299x299",
            **self.weights,
        }


class FID(_InceptionMetric):
    """Fréchet Inception Distance between generated and real images (lower is better)."""

    higher_is_better: ClassVar[dict[str, bool]] = {"fid": False}

    def compute(self) -> dict[str, float]:
        return {"fid": frechet_distance(torch.cat(self.fake), torch.cat(self.real))}


class KID(_InceptionMetric):
    """Kernel Inception Distance (unbiased MMD², cubic polynomial kernel, mean over subsets), as
    torch-fidelity computes it."""

    higher_is_better: ClassVar[dict[str, bool]] = {"kid": False, "kid_std": False}

    def __init__(self, file: str | None = None, subsets: int = 100, subset_size: int = 1000, seed: int = 2020):
        super().__init__(file)
        self.subsets, self.subset_size, self.seed = subsets, subset_size, seed

    def compute(self) -> dict[str, float]:
        return kernel_inception_distance(torch.cat(self.fake), torch.cat(self.real), self.subsets, self.used, self.seed)

    @property
    def used(self) -> int:
        """The subset size measured with: ``subset_size``, or every image where there are fewer
        (torch-fidelity would refuse; the size used is recorded, so the number is not mistaken
        for a 1000-image one)."""
        return min(self.subset_size, sum(map(len, self.fake)), sum(map(len, self.real)))

    def protocol(self) -> dict[str, Any]:
        return super().protocol() | {"subsets": self.subsets, "subset_size": self.used, "seed": self.seed}


def kernel_inception_distance(a: torch.Tensor, b: torch.Tensor, subsets: int, size: int, seed: int) -> dict:
    """torch-fidelity's KID over ``subsets`` random subsets of ``size`` rows a side."""
    from torch_fidelity.metric_kid import kid_features_to_metric

    out = kid_features_to_metric(
        a.double(),
        b.double(),
        kid_subsets=subsets,
        kid_subset_size=size,
        rng_seed=seed,
        verbose=False,
        kid_kernel="poly",
        kid_kernel_poly_degree=3,
        kid_kernel_poly_gamma=None,
        kid_kernel_poly_coef0=1,
    )
    return {"kid": out["kernel_inception_distance_mean"], "kid_std": out["kernel_inception_distance_std"]}


def sifid_network(path: str) -> nn.Module:
    """torchvision's ImageNet Inception-v3 up to ``Conv2d_4a_3x3`` (192 channels): the layer the
    official SIFID code reads (its ``dims=192``, block 1), taking images in [0, 1] scaled to [-1, 1]."""
    from torchvision.models import inception_v3

    net = inception_v3(weights=None, aux_logits=True, init_weights=False)
    net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    layers = [
        net.Conv2d_1a_3x3,
        net.Conv2d_2a_3x3,
        net.Conv2d_2b_3x3,
        net.maxpool1,
        net.Conv2d_3b_1x1,
        net.Conv2d_4a_3x3,
    ]
    return nn.Sequential(*layers).eval().requires_grad_(False)


def single_image_fid(fake: torch.Tensor, real: torch.Tensor) -> float:
    """SIFID of two feature maps (C, H, W): every position is a sample of the C-d features."""
    rows = [f.flatten(1).T for f in (fake, real)]
    return frechet_distance(*rows)


class SIFID(Metric):
    """Single-image FID (SinGAN): per sample, the Fréchet distance between the internal feature
    statistics of the generated image and the training image; averaged over samples."""

    needs = ("real",)
    higher_is_better: ClassVar[dict[str, bool]] = {"sifid": False}

    def __init__(self, file: str | None = None):
        self.path = weights_file(
            file, SIFID_ENV, f"torchvision's ImageNet Inception-v3 ({SIFID_FILE})", SIFID_URL, "sifid.file"
        )
        self.network = sifid_network(str(self.path))
        self.weights = weights_record(self.path)
        self.reset()

    def reset(self) -> None:
        self.values: list[float] = []

    @torch.no_grad()
    def update(self, batch: EvalBatch) -> None:
        device = next(self.network.parameters()).device
        for fake, real in zip(batch.fake, batch.real, strict=True):
            maps = self.network(as_saved(torch.stack([fake, real]), device, signed=True))
            self.values.append(single_image_fid(maps[0].double(), maps[1].double()))

    def compute(self) -> dict[str, float]:
        return {"sifid": float(np.mean(self.values))}

    def protocol(self) -> dict[str, Any]:
        return {
            "features": "torchvision Inception-v3 Conv2d_4a_3x3 (192), every position a sample, no resize",
            **self.weights,
        }
