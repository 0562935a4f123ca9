"""Encodings of semantic label maps and instance maps, shared by the label-to-image families."""

from __future__ import annotations

import torch


def one_hot(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Class indices (N, 1, H, W) -> one-hot float maps (N, num_classes, H, W)."""
    out = torch.zeros(labels.shape[0], num_classes, *labels.shape[2:], device=labels.device)
    return out.scatter_(1, labels.long(), 1.0)


def instance_edges(instances: torch.Tensor) -> torch.Tensor:
    """Boundary map of an instance map (N, 1, H, W): 1 where a pixel's instance differs from a
    4-neighbour's, as pix2pixHD computes it. Touching objects of one class stay apart."""
    edge = torch.zeros_like(instances, dtype=torch.bool)
    horizontal = instances[..., :, 1:] != instances[..., :, :-1]
    vertical = instances[..., 1:, :] != instances[..., :-1, :]
    edge[..., :, 1:] |= horizontal
    edge[..., :, :-1] |= horizontal
    edge[..., 1:, :] |= vertical
    edge[..., :-1, :] |= vertical
    return edge.float()


def instance_mean(features: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
    """Each instance's pixels replaced by the instance's mean feature (pix2pixHD's instance-wise
    average pooling), for every image of the batch at once."""
    n, c = features.shape[:2]
    ids = instances.reshape(n, -1).long()
    ids = ids - ids.min()
    ids = ids + torch.arange(n, device=ids.device).unsqueeze(1) * (ids.max() + 1)  # one id space per image
    _, group = torch.unique(ids.reshape(-1), return_inverse=True)
    flat = features.permute(0, 2, 3, 1).reshape(-1, c)
    sums = torch.zeros(int(group.max()) + 1, c, dtype=flat.dtype, device=flat.device).index_add_(0, group, flat)
    counts = torch.bincount(group).unsqueeze(1).to(flat.dtype)
    return (sums / counts)[group].reshape(n, *features.shape[2:], c).permute(0, 3, 1, 2)


def labelcolormap(num_classes: int) -> torch.Tensor:
    """pix2pixHD's ``labelcolormap``: class k's colour (uint8 RGB) spreads k's bits over the three
    channels from the top bit down, so neighbouring classes look different."""
    ids = torch.arange(num_classes)
    palette = torch.zeros(num_classes, 3, dtype=torch.long)
    for bit in range(8):
        for channel in range(3):
            palette[:, channel] += ((ids >> (3 * bit + channel)) & 1) << (7 - bit)
    return palette.to(torch.uint8)


def colorize(labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Label maps (N, 1, H, W) as colour images in [-1, 1] for sample grids, in
    :func:`labelcolormap`'s colours (classes at or beyond ``num_classes`` are black)."""
    palette = torch.cat([labelcolormap(num_classes).float(), torch.zeros(1, 3)])
    image = palette.to(labels.device)[labels.clamp(0, num_classes).squeeze(1).long()]
    return image.permute(0, 3, 1, 2) / 127.5 - 1
