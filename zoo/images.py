"""Conversions between what users pass as images (PIL images, arrays, tensors, file paths; one
or a batch) and the float tensors models take, with errors that say what was wrong."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image

from zoo.data import ID_MODES, not_an_id_map, read_ids, read_image, to_mode
from zoo.errors import ZooError

OutputType = Literal["pil", "np", "pt"]
ImageInput = Image.Image | np.ndarray | torch.Tensor | str | Path


def to_batch(images: ImageInput | Sequence[ImageInput], channels: int | None = None) -> tuple[torch.Tensor, bool]:
    """A float batch (N, C, H, W) in [0, 1] with ``channels`` channels (if given), and whether a
    single image was passed. Arrays are HWC (NHWC), tensors CHW (NCHW); uint8 in [0, 255],
    floats in [0, 1]."""
    if isinstance(images, (list, tuple)):
        if not images:
            raise ZooError("no images given")
        tensors = [to_batch(image, channels)[0] for image in images]
        sizes = {tuple(t.shape[1:]) for t in tensors}
        if len(sizes) > 1:
            raise ZooError(f"images of a batch must have one size and channel count, got {sorted(sizes)}")
        return torch.cat(tensors), False
    if isinstance(images, np.ndarray) and images.ndim == 4:
        return _channels(_as_float(torch.from_numpy(np.array(images)).permute(0, 3, 1, 2)), channels), False
    if isinstance(images, torch.Tensor) and images.ndim == 4:
        return _channels(_as_float(images), channels), False
    return _channels(_single(images, channels), channels).unsqueeze(0), True


def _single(image: ImageInput, channels: int | None) -> torch.Tensor:
    mode = "L" if channels == 1 else "RGB"
    if isinstance(image, (str, Path)):
        image = read_image(Path(image), mode)
    if isinstance(image, Image.Image):
        image = np.array(to_mode(image, mode))
    if isinstance(image, np.ndarray):
        array = image[..., None] if image.ndim == 2 else image
        if array.ndim != 3:
            raise ZooError(f"an image array has 2 or 3 dimensions (HW or HWC), got shape {image.shape}")
        if array.shape[-1] not in (1, 3, 4) and array.shape[0] in (1, 3, 4):
            raise ZooError(
                f"image arrays are HWC, got shape {image.shape}: transpose it to {array.shape[1:] + array.shape[:1]}"
            )
        return _as_float(torch.from_numpy(np.array(array)).permute(2, 0, 1))  # a copy: PIL's arrays are read-only
    if isinstance(image, torch.Tensor) and image.ndim in (2, 3):
        return _as_float(image if image.ndim == 3 else image.unsqueeze(0))
    raise ZooError(f"cannot use {type(image).__name__} as an image: pass a PIL image, an HWC array or a CHW tensor")


def _as_float(tensor: torch.Tensor) -> torch.Tensor:
    """uint8 in [0, 255] or float in [0, 1] -> float in [0, 1]."""
    if tensor.dtype == torch.uint8:
        return tensor.float() / 255
    tensor = tensor.float()
    low, high = tensor.min().item(), tensor.max().item()
    if low < -1e-3 or high > 1 + 1e-3:
        raise ZooError(
            f"float images must lie in [0, 1], got values in [{low:g}, {high:g}]: divide by 255 or pass uint8"
        )
    return tensor


def _channels(batch: torch.Tensor, channels: int | None) -> torch.Tensor:
    """``batch`` with ``channels`` channels: grey repeated, alpha dropped, RGB turned grey (as PIL does)."""
    have = batch.shape[-3]
    if channels is None or have == channels:
        return batch
    if have == 1 and channels == 3:
        return batch.expand(*batch.shape[:-3], 3, *batch.shape[-2:])
    if have == 4 and channels == 3:
        return batch[..., :3, :, :]
    if have in (3, 4) and channels == 1:
        weights = torch.tensor([0.299, 0.587, 0.114], dtype=batch.dtype).view(3, 1, 1)
        return (batch[..., :3, :, :] * weights).sum(-3, keepdim=True)
    raise ZooError(f"images with {have} channels cannot feed a model that takes {channels}")


def from_batch(batch: torch.Tensor, output_type: OutputType, single: bool) -> Any:
    """Images in [0, 1] as PIL images, uint8 HWC arrays or the tensor itself."""
    if output_type == "pt":
        return batch[0] if single else batch
    arrays = batch.mul(255).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    if output_type == "np":
        items = list(arrays)
    elif output_type == "pil":
        items = [Image.fromarray(a[..., 0] if a.shape[-1] == 1 else a) for a in arrays]
    else:
        raise ZooError(f"output_type {output_type!r} is not one of pil, np, pt")
    return items[0] if single else items


def to_id_batch(maps: Any) -> tuple[torch.Tensor, bool]:
    """Label or instance maps as a long batch (N, 1, H, W), and whether one map was given:
    file paths, single-channel PIL images, integer arrays (H, W or N, H, W) or tensors."""
    if isinstance(maps, (list, tuple)):
        if not maps:
            raise ZooError("no maps given")
        batches = [to_id_batch(m)[0] for m in maps]
        if len({tuple(b.shape[1:]) for b in batches}) > 1:
            raise ZooError("the maps of a batch must have one size")
        return torch.cat(batches), False
    if isinstance(maps, (str, Path)):
        maps = read_ids(Path(maps))
    if isinstance(maps, Image.Image):
        if maps.mode not in ID_MODES:
            raise ZooError(not_an_id_map("the image", f"mode {maps.mode}"))
        maps = np.asarray(maps)
    if isinstance(maps, np.ndarray):
        if maps.ndim == 3 and maps.shape[-1] in (3, 4) and maps.shape[0] > 4:  # HWC colours, not N maps of width 3
            raise ZooError(not_an_id_map("the array", f"HWC colours of shape {maps.shape}"))
        if maps.dtype.kind not in "iu":
            raise ZooError(f"label and instance maps hold integer ids, got an array of {maps.dtype}")
        maps = torch.from_numpy(maps.astype(np.int64))
    if not isinstance(maps, torch.Tensor):
        raise ZooError(f"cannot use {type(maps).__name__} as a label or instance map")
    if maps.is_floating_point():
        raise ZooError("label and instance maps hold integer ids, got a floating-point tensor")
    single = maps.ndim <= 3 and not (maps.ndim == 3 and maps.shape[0] > 1)
    return maps.long().reshape(-1, 1, *maps.shape[-2:]), single
