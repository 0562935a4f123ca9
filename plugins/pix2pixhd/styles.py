"""pix2pixHD's instance styles: per class, K-means centres of the encoded training instances;
at synthesis time, a feature map giving each instance one of its class's styles."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import torch
from rich.progress import track

from zoo.errors import ZooError

from .generators import FeatureEncoder

AREA_BLOCKS = 32
"""The official code measures an instance's area in units of (H * W / 32) pixels and clusters
only instances larger than half a unit."""

Styles = str | Mapping[int, int] | torch.Tensor
"""``"random"`` (a seeded random centre per instance), ``{instance_id: centre}`` (others random),
or a reference photo (N, 3, H, W) in [-1, 1] to encode with the same instance map."""


def instances_of(labels: torch.Tensor, instances: torch.Tensor) -> Iterable[tuple[int, int, torch.Tensor]]:
    """``(instance id, class, mask)`` of each instance in one image's maps (1, H, W). The class is
    the label at the instance's middle pixel in row-major order, the pixel whose feature the
    official code reads; it takes the class from the Cityscapes id (``id // 1000``) instead, which
    is the same class for Cityscapes and works for any instance ids here."""
    for instance in torch.unique(instances).tolist():
        mask = instances[0] == instance
        where = mask.nonzero()
        y, x = where[len(where) // 2].tolist()
        yield instance, int(labels[0, y, x]), mask


@torch.no_grad()
def cluster_styles(encoder: FeatureEncoder, batches: Iterable[Mapping[str, torch.Tensor]], total: int) -> None:
    """Encode every instance of ``batches`` (prepared one-item batches: ``target``, ``label``,
    ``instance``), run K-means per class (``encoder.n_clusters`` centres, random_state 0, as the
    official script), and store the centres in the encoder's ``centres``/``counts`` buffers."""
    from sklearn.cluster import KMeans  # slow to import: only when styles are clustered

    label_nc = encoder.centres.shape[0]
    found: list[list[np.ndarray]] = [[] for _ in range(label_nc)]
    for batch in track(batches, total=total, description="encoding instances", transient=True):
        labels, instances = batch["label"], batch["instance"]
        features = encoder(batch["target"], instances)[0]
        unit = labels.shape[-2] * labels.shape[-1] // AREA_BLOCKS
        for _, cls, mask in instances_of(labels[0], instances[0]):
            if cls < label_nc and mask.sum() / unit > 0.5:
                found[cls].append(features[:, mask][:, 0].cpu().numpy())
    encoder.centres.zero_()
    encoder.counts.zero_()
    for cls, features in enumerate(found):
        if features:
            k = min(len(features), encoder.n_clusters)
            kmeans = KMeans(n_clusters=k, random_state=0, n_init=10).fit(np.stack(features))
            encoder.centres[cls, :k] = torch.from_numpy(kmeans.cluster_centers_).to(encoder.centres)
            encoder.counts[cls] = k


def style_map(
    encoder: FeatureEncoder, labels: torch.Tensor, instances: torch.Tensor, styles: Styles, seed: int
) -> torch.Tensor:
    """The encoder-feature input (N, feat_num, H, W) that gives each instance its style. An
    instance of a class without centres gets zeros."""
    if isinstance(styles, torch.Tensor):
        return encoder(styles.expand(labels.shape[0], *styles.shape[1:]), instances)
    out = torch.zeros(labels.shape[0], encoder.feat_num, *labels.shape[-2:], device=labels.device)
    chosen = styles if isinstance(styles, Mapping) else {}
    for b in range(labels.shape[0]):
        for instance, cls, mask in instances_of(labels[b], instances[b]):
            count = int(encoder.counts[cls]) if cls < len(encoder.counts) else 0
            if not count:
                if instance in chosen:
                    raise ZooError(f"instance {instance} is of class {cls}, which learned no styles")
                continue
            centre = chosen.get(instance, random_centre(seed, instance, count))
            if not 0 <= centre < count:
                raise ZooError(f"instance {instance} (class {cls}) has styles 0..{count - 1}, not {centre}")
            out[b][:, mask] = encoder.centres[cls, centre].unsqueeze(1)
    return out


def random_centre(seed: int, instance: int, count: int) -> int:
    """A style for ``instance`` that depends on (seed, instance) only, so an edit elsewhere in the
    map leaves this instance's style unchanged."""
    generator = torch.Generator().manual_seed(hash((seed, instance)) & 0x7FFF_FFFF_FFFF_FFFF)
    return int(torch.randint(count, (), generator=generator))
