"""What the label-map families share (pix2pixHD, SPADE): the options, the encoding of label and
instance maps into one-hot classes and instance edges at a size the generator takes, and the base
classes of their architectures and pipelines."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import torch
import torch.nn.functional as F

from zoo.architecture import Architecture, DiscriminatorOutput
from zoo.config import Component, RunConfig, Settings
from zoo.data import LabelSpec
from zoo.errors import ConfigError, DataError, ZooError
from zoo.graph import GraphInput, GraphSpec
from zoo.images import OutputType, from_batch, to_id_batch
from zoo.metric import EvalBatch, to_unit
from zoo.nn.semantic import colorize, instance_edges, one_hot
from zoo.pipeline import Pipeline
from zoo.registry import Registry

SizePolicy = Literal["error", "pad"]

if TYPE_CHECKING:
    from zoo.convert import Decided


class LabelOptions(Settings):
    """How label and instance maps reach the networks (the ``model`` section of label-map
    architectures). The last four fields follow from the data set and are not set by hand."""

    instance_edges: bool = True
    """Concatenate the instance boundary map where the data set has instance maps."""
    size_policy: SizePolicy = "error"
    """Sizes that are not multiples of the generator's stride: ``error``, or ``pad`` and crop back."""
    label_nc: int = 0
    dontcare: int | None = None
    label_shift: int = 0
    edges: bool = False
    """Whether the edges are used: ``instance_edges`` and the data set has instance maps."""

    def spec(self) -> LabelSpec:
        return LabelSpec(self.label_nc, self.dontcare, self.label_shift)

    @staticmethod
    def derived(spec: LabelSpec, instance_edges: bool) -> dict[str, Any]:
        """The ``model`` fields a data set's label spec decides."""
        return {
            "label_nc": spec.label_nc,
            "dontcare": spec.dontcare,
            "label_shift": spec.shift,
            "edges": instance_edges and spec.instances,
        }


def label_spec(data: Component, registry: Registry) -> LabelSpec:
    """The :class:`LabelSpec` of a configured data set, which must be a label-map data set."""
    factory = registry.get("dataset", data.name).obj
    spec_of = getattr(factory, "label_spec", None)
    if spec_of is None:
        label_maps = [e.name for e in registry.entries("dataset") if hasattr(e.obj, "label_spec")]
        raise ConfigError(
            f"data set {data.name!r} gives no label maps; choose a label-map data set: {', '.join(label_maps)}"
        )
    spec = spec_of(data.options)
    if spec.dontcare is not None and 0 <= spec.dontcare + spec.shift < spec.label_nc:
        raise ConfigError(
            f"data.dontcare={spec.dontcare} is one of the classes; the don't-care value must lie outside "
            f"{spec.describe().split(' or ')[0]} (255, say)"
        )
    return spec


LABEL_KEYS = ("data.label_nc", "data.name")
EDGE_KEYS = ("model.instance_edges", "data.name", "data.instances", "data.instance_dir")
"""The keys whose being decided settles a label-map model's class count, or its use of instance edges."""


def fit_labels(config: RunConfig, decided: Decided, registry: Registry, channels: int, where: str) -> dict[str, Any]:
    """The class count or the use of instance edges that makes the encoded label maps ``channels``
    wide (classes, don't care, edges), whichever ``--like``/``--set`` leave open; nothing where they
    leave both open (the importer's assumption stands, with its note). For the label-map
    families' importers (``Conversion.fit``), whose first layers' width the weights give."""
    spec = label_spec(config.data, registry)
    edges = int(config.model.edges)
    extra = spec.semantic_nc - spec.label_nc  # the don't-care class
    takes_count = "label_nc" in registry.get("dataset", config.data.name).options()
    count_open = takes_count and not any(decided(k) for k in LABEL_KEYS)
    edges_open = spec.instances and not any(decided(k) for k in EDGE_KEYS)
    settled = {} if edges_open else {"model": {"instance_edges": config.model.instance_edges}}
    if spec.semantic_nc + edges == channels:
        return {} if count_open and edges_open else {"model": {"instance_edges": config.model.instance_edges}}
    if count_open and channels - edges - extra >= 1:
        return {"data": {"label_nc": channels - edges - extra}, **settled}
    if edges_open and channels - spec.semantic_nc in (0, 1):
        return {"model": {"instance_edges": channels > spec.semantic_nc}}
    sources = sorted({given[0] for k in {*LABEL_KEYS, *EDGE_KEYS} if (given := decided(k))})
    gives = f"{spec.label_nc} classes" + (" + don't care" if extra else "") + (" + instance edges" if edges else "")
    fixes = [f"data.label_nc={channels - edges - extra}"] if takes_count and channels - edges - extra >= 1 else []
    if spec.instances and channels - spec.semantic_nc in (0, 1):
        fixes.append(f"model.instance_edges={str(channels > spec.semantic_nc).lower()}")
    raise ZooError(
        f"{where}: {channels} label channels in the official weights, but {gives} = {spec.semantic_nc + edges} "
        f"from {' and '.join(sources) or 'the configuration'} (data set {config.data.name!r})"
        + (f": set {' or '.join(fixes)}" if fixes else ": choose the data set the model was trained on")
    )


@dataclass(frozen=True)
class LabelEncoding:
    """One-hot class channels (the don't-care class included), plus the instance boundary map if
    ``edges``. Sizes must be multiples of ``multiple``: ``error`` refuses others, ``pad`` pads them
    (replicating the border) and the caller crops back."""

    spec: LabelSpec
    edges: bool
    multiple: int
    policy: SizePolicy = "error"

    @property
    def channels(self) -> int:
        return self.spec.semantic_nc + self.edges

    def padding(self, height: int, width: int) -> tuple[int, int]:
        """Rows and columns to add at the bottom and right, or a DataError under ``error``."""
        pad_h, pad_w = -height % self.multiple, -width % self.multiple
        if (pad_h or pad_w) and self.policy == "error":
            raise DataError(
                f"label maps of {width}x{height} pixels: this generator needs multiples of {self.multiple}; "
                f"resize or crop them (data.load_size / data.crop_size), or set model.size_policy=pad"
            )
        return pad_h, pad_w

    def pad(self, *maps: torch.Tensor) -> list[torch.Tensor]:
        pad_h, pad_w = self.padding(*maps[0].shape[-2:])
        if not (pad_h or pad_w):
            return list(maps)
        return [F.pad(m.float(), (0, pad_w, 0, pad_h), mode="replicate").to(m.dtype) for m in maps]

    def maps(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A loaded batch's class maps, instance maps (the labels where the data have none) and
        photos, padded as the policy says."""
        classes = self.spec.classes(batch["label"])
        classes, instances, photos = self.pad(classes, batch.get("instance", classes), batch["target"])
        return classes, instances, photos

    def __call__(self, classes: torch.Tensor, instances: torch.Tensor) -> torch.Tensor:
        """The conditioning input (N, channels, H, W) of class-index maps (see ``spec.classes``)."""
        semantic = one_hot(classes, self.spec.semantic_nc)
        return torch.cat([semantic, instance_edges(instances)], 1) if self.edges else semantic


def label_encoding(config: RunConfig, generator: torch.nn.Module) -> LabelEncoding:
    """The conditioning encoding a label-map configuration gives ``generator``."""
    model = config.model
    return LabelEncoding(model.spec(), model.edges, generator.size_multiple, model.size_policy)


class LabelMapArchitecture(Architecture):
    """Base of architectures whose generator and discriminator read encoded label maps: the batch
    gets a ``condition`` (one-hot classes + edges), D sees it beside the image."""

    def __init__(self, config: RunConfig, registry: Registry):
        super().__init__(config, registry)
        self.encoding = label_encoding(config, self.nets["G"])

    def resize(
        self, classes: torch.Tensor, instances: torch.Tensor, photos: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """A phase's working size (pix2pixHD's global phase halves it); unchanged by default."""
        return classes, instances, photos

    def prepare_batch(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        classes, instances, photos = self.resize(*self.encoding.maps(batch))
        return {
            **batch,
            "label": classes,
            "instance": instances,
            "target": photos,
            "condition": self.encoding(classes, instances),
        }

    def check_batch(self, batch: Mapping[str, Any]) -> None:
        self.encoding.padding(*batch["label"].shape[-2:])

    def discriminate(self, batch: Mapping[str, Any], image: torch.Tensor) -> DiscriminatorOutput:
        return self.net("D")(torch.cat([batch["condition"], image], 1))

    def visuals(self, batch: Mapping[str, Any], outputs: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        label = colorize(batch["label"], self.encoding.spec.label_nc)
        return {"label map": label, "output": outputs["fake"], "target": batch["target"]}


class Prepared(NamedTuple):
    """Label maps made ready for a generator: its ``condition``, the padded class and instance
    maps and ``extra`` maps, and the ``size`` to crop its output back to."""

    condition: torch.Tensor
    classes: torch.Tensor
    instances: torch.Tensor
    size: tuple[int, int]
    extra: list[torch.Tensor]


@dataclass(frozen=True)
class StyleControls:
    """The style inputs a label-map model takes beside the maps, for a painter to offer: a
    ``seed`` for random styles, a style ``photo``, and ``clusters``: per class, how many styles
    it has to choose from (empty: no per-class choice)."""

    seed: bool = False
    photo: bool = False
    clusters: tuple[int, ...] = ()


class LabelMapPipeline(Pipeline):
    """Base of pipelines from label maps (and instance maps; without them, each class region
    counts as one instance)."""

    usage = 'photo = pipe("labels.png", "instances.png")  # label and instance maps'

    def style_controls(self) -> StyleControls:
        """What this model's styles take (none by default: one output per label map)."""
        return StyleControls()

    def paint(
        self,
        labels: Any,
        instances: Any = None,
        *,
        seed: int = 0,
        photo: Any = None,
        clusters: Mapping[int, int] | None = None,
        output_type: OutputType = "pil",
    ) -> Any:
        """A painter's output for the maps and the chosen style inputs (see :meth:`style_controls`):
        exactly ``pipe(labels, instances, seed=seed, style=...)`` with the style photo, or the
        style :meth:`class_styles` makes of ``clusters`` ({label value: style})."""
        if clusters and photo is not None:
            raise ZooError("choose styles per class or by a style photo, not both")
        style = self.class_styles(labels, instances, clusters) if clusters else photo
        return self(
            labels, instances, seed=seed, output_type=output_type, **({} if style is None else {"style": style})
        )

    def class_styles(self, labels: Any, instances: Any, clusters: Mapping[int, int]) -> Any:
        """The ``style`` giving every instance of the classes in ``clusters`` that class's style."""
        raise ZooError("this model has no per-class styles to choose")

    @cached_property
    def encoding(self) -> LabelEncoding:
        return label_encoding(self.config, self.nets["G"])

    def maps(self, labels: Any, instances: Any) -> tuple[torch.Tensor, torch.Tensor, bool]:
        """Label and instance batches, and whether one map was given."""
        label_batch, single = to_id_batch(labels)
        instance_batch = label_batch.clone() if instances is None else to_id_batch(instances)[0]
        if instance_batch.shape != label_batch.shape:
            raise ZooError(
                f"the instance maps {tuple(instance_batch.shape[-2:])} do not match the label maps "
                f"{tuple(label_batch.shape[-2:])}"
            )
        return label_batch, instance_batch, single

    def prepare(self, labels: torch.Tensor, instances: torch.Tensor, *extra: torch.Tensor) -> Prepared:
        """Raw label maps (and ``extra`` maps, padded alike) made ready for the generator."""
        classes = self.encoding.spec.classes(labels.to(self.device))
        size = (classes.shape[-2], classes.shape[-1])
        moved = (e.to(self.device) for e in extra)
        classes, instances, *padded = self.encoding.pad(classes, instances.to(self.device), *moved)
        return Prepared(self.encoding(classes, instances), classes, instances, size, padded)

    def graph_spec(self) -> GraphSpec:
        """The generator over the encoded maps (``condition``: one-hot classes, edges, and any
        feature channels), at any multiple of its stride."""
        generator = self.nets["G"]
        channels = self.config.nets["G"].options.get("input_nc") or self.config.nets["G"].options["semantic_nc"]
        condition = GraphInput("condition", ("N", channels, "H", "W"), "onehot")
        multiple = generator.size_multiple
        return GraphSpec(generator, [condition], multiple=multiple, attributes={"size_multiple": multiple})

    def evaluation_batch(self, items: Mapping[str, Any], seed: int, variants: int = 0) -> EvalBatch:
        """Outputs for the data set's label maps (``variants`` more with other seeds, for the
        diversity of multimodal models), its photos, and the class maps for the segmentation score."""
        labels = items["label"]
        instances = items.get("instance", labels)
        outputs = [self.synthesize(labels, instances, seed=seed + k) for k in range(1 + variants)]
        unit = [to_unit(o) for o in outputs]
        classes = self.encoding.spec.classes(labels)[:, 0]
        varied = unit[1:] if any(not torch.equal(v, unit[0]) for v in unit[1:]) else None  # None: not multimodal
        return EvalBatch(fake=unit[0], real=to_unit(items["target"]), labels=classes, variants=varied)

    @staticmethod
    def output(images: torch.Tensor, output_type: OutputType, single: bool) -> Any:
        return from_batch((images.float().clamp(-1, 1) + 1) / 2, output_type, single)
