"""The segmentation score of label-to-image models (pix2pixHD, SPADE): a segmenter run on the
generated images, scored against the label maps they were made from."""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from zoo.metric import EvalBatch, Metric, as_saved


def confusion(predicted: torch.Tensor, target: torch.Tensor, classes: int, ignore: int) -> torch.Tensor:
    """The (classes, classes) count of target class (rows) against predicted class (columns)."""
    keep = target != ignore
    index = target[keep].long() * classes + predicted[keep].long()
    return torch.bincount(index, minlength=classes * classes).reshape(classes, classes)


def scores(matrix: torch.Tensor) -> dict[str, float]:
    """mIoU over the classes that occur in the targets or predictions, and pixel accuracy."""
    matrix = matrix.double()
    hits = matrix.diagonal()
    union = matrix.sum(0) + matrix.sum(1) - hits
    present = union > 0
    return {
        "miou": float((hits[present] / union[present]).mean()),
        "pixel_accuracy": float(hits.sum() / matrix.sum()),
    }


class SegmentationScore(Metric):
    """mIoU and pixel accuracy of a segmenter (a ``segmenter`` plugin, by name) on the generated
    images, against the input label maps; ``options`` go to the segmenter
    (``--set segmentation.options.file=...``)."""

    needs = ("labels",)
    higher_is_better: ClassVar[dict[str, bool]] = {"miou": True, "pixel_accuracy": True}

    def __init__(self, segmenter: str = "torchvision", options: dict[str, Any] | None = None):
        from zoo.registry import get_registry

        self.name = segmenter
        self.network = get_registry().create("segmenter", segmenter, **(options or {})).eval()
        self.reset()

    def reset(self) -> None:
        self.matrix: torch.Tensor | None = None
        self.pixels = self.unscored = 0

    @torch.no_grad()
    def update(self, batch: EvalBatch) -> None:
        device = next(self.network.parameters()).device
        logits = self.network(as_saved(batch.fake, device))
        target = self.network.target(batch.labels.to(device))
        if logits.shape[-2:] != target.shape[-2:]:
            logits = torch.nn.functional.interpolate(logits, target.shape[-2:], mode="bilinear", align_corners=False)
        classes, ignore = logits.shape[1], self.network.ignore
        target = torch.where(target >= classes, ignore, target)  # the don't-care class and classes it lacks
        self.pixels += target.numel()
        self.unscored += int((target == ignore).sum())
        counts = confusion(logits.argmax(1), target, classes, ignore).cpu()
        self.matrix = counts if self.matrix is None else self.matrix + counts

    def compute(self) -> dict[str, float]:
        return scores(self.matrix)

    def protocol(self) -> dict[str, Any]:
        unscored = self.unscored / max(self.pixels, 1)  # don't-care pixels, and classes the segmenter lacks
        return {"segmenter": self.name, **getattr(self.network, "record", {}), "unscored_pixels": round(unscored, 6)}
