"""LPIPS diversity of multimodal models (SPADE's VAE, pix2pixHD's styles): the mean LPIPS
distance between outputs for the same input under different styles (higher: more diverse)."""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import torch

from zoo.errors import ZooError
from zoo.metric import EvalBatch, Metric, as_saved, weights_file, weights_record

ALEX_ENV = "ZOO_ALEXNET_WEIGHTS"
ALEX_FILE = "alexnet-owt-7be5be79.pth"
ALEX_URL = f"https://download.pytorch.org/models/{ALEX_FILE}"
SLICES = ((0, 2), (2, 5), (5, 8), (8, 10), (10, 12))
"""torchvision AlexNet's ``features`` in LPIPS' five slices (relu1..relu5)."""


def lpips_alex(path: str) -> torch.nn.Module:
    """LPIPS v0.1 (AlexNet): the linear layers shipped inside torchmetrics, the backbone from a
    local torchvision AlexNet file (torchmetrics would download it)."""
    from torchmetrics.functional.image.lpips import _LPIPS
    from torchvision.models import alexnet

    model = _LPIPS(pretrained=True, net="alex", pnet_rand=True)
    backbone = alexnet(weights=None)
    backbone.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    slices = [model.net.slice1, model.net.slice2, model.net.slice3, model.net.slice4, model.net.slice5]
    for piece, (start, end) in zip(slices, SLICES, strict=True):
        for index in range(start, end):
            setattr(piece, str(index), backbone.features[index])
    return model.eval().requires_grad_(False)


class LPIPSDiversity(Metric):
    """Mean LPIPS (AlexNet, v0.1) over every pair of a model's outputs for one input."""

    needs = ("variants",)
    higher_is_better: ClassVar[dict[str, bool]] = {"lpips_diversity": True}

    def __init__(self, file: str | None = None):
        self.path = weights_file(
            file, ALEX_ENV, f"torchvision's ImageNet AlexNet ({ALEX_FILE}) for LPIPS", ALEX_URL, "lpips_diversity.file"
        )
        self.network = lpips_alex(str(self.path))
        self.weights = weights_record(self.path)
        self.reset()

    def reset(self) -> None:
        self.distances: list[torch.Tensor] = []

    @torch.no_grad()
    def update(self, batch: EvalBatch) -> None:
        outputs = [batch.fake, *batch.variants]
        if len(outputs) < 2:
            raise ZooError("LPIPS diversity needs at least two outputs per input: set --variants 2 or more")
        device = next(self.network.parameters()).device
        scaled = [as_saved(x, device, signed=True) for x in outputs]
        for a, b in itertools.combinations(scaled, 2):
            self.distances.append(self.network(a, b).flatten().cpu())

    def compute(self) -> dict[str, float]:
        return {"lpips_diversity": float(torch.cat(self.distances).mean())}

    def protocol(self) -> dict[str, Any]:
        return {
            "features": "LPIPS v0.1 AlexNet (torchmetrics' linear layers)",
            **self.weights,
        }
