"""Segmenters for the segmentation score, with their weights from local files."""

from __future__ import annotations

import torch

from zoo.errors import ConfigError
from zoo.metric import Segmenter, weights_file, weights_record

SEGMENTER_ENV = "ZOO_SEGMENTER_WEIGHTS"
SEGMENTER_OPTION = "segmentation.options.file"
"""The key that names a segmenter's weights file (its options sit under the metric's)."""
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TorchvisionSegmenter(Segmenter):
    """A torchvision segmentation network (DeepLabV3, FCN, LR-ASPP) fed ImageNet-normalised
    images; the model's class maps are its classes as they are (train it on the data set's ids)."""

    def __init__(self, network: torch.nn.Module, ignore: int, record: dict):
        super().__init__()
        self.network, self.ignore, self.record = network, ignore, record
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network((images - self.mean) / self.std)["out"]


def torchvision_segmenter(
    model: str = "deeplabv3_resnet50", classes: int = 19, file: str | None = None, ignore: int = 255
) -> Segmenter:
    """torchvision's ``model`` with ``classes`` outputs and the weights of ``file`` (or
    ``ZOO_SEGMENTER_WEIGHTS``): a state dict saved from that model, trained on the data set."""
    import torchvision.models.segmentation as segmentation

    if not hasattr(segmentation, model):
        raise ConfigError(f"segmenter model={model!r}: torchvision has deeplabv3_resnet50, fcn_resnet50, ...")
    path = weights_file(
        file, SEGMENTER_ENV, f"a trained torchvision {model} state dict", "your own training run", SEGMENTER_OPTION
    )
    network = getattr(segmentation, model)(weights=None, weights_backbone=None, num_classes=classes, aux_loss=False)
    state = torch.load(path, map_location="cpu", weights_only=True)
    missing, _ = network.load_state_dict({k: v for k, v in state.items() if not k.startswith("aux")}, strict=False)
    if missing:
        raise ConfigError(
            f"{path}: not a {model} with {classes} classes (missing {missing[0]} and {len(missing) - 1} more)"
        )
    record = {"model": model, "classes": classes, **weights_record(path)}
    return TorchvisionSegmenter(network, ignore, record)
