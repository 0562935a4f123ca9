"""Inference: a trained model's inference networks behind one call, whatever the family.

An :class:`InferencePipeline` converts whatever the user passes (PIL images, numpy arrays,
tensors, file paths; one or a batch) into the model's input range, runs the family's generator,
and converts back; it writes itself as ``config.json`` + ``model.safetensors``. Loading,
exporting, model cards and the Hub work on it; :class:`zoo.Pipeline`, which every family's
pipeline subclasses, adds the Hugging Face Hub methods on top.
"""

from __future__ import annotations

import contextlib
import functools
import json
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

import torch
from torch import nn

from zoo.config import RunConfig
from zoo.errors import ZooError
from zoo.files import save_weights, write_atomic
from zoo.graph import GraphInput, GraphRuntime, GraphSpec
from zoo.images import ImageInput, OutputType, from_batch, to_batch
from zoo.metric import EvalBatch, to_unit
from zoo.registry import Registry

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
PROVENANCE_NAME = "provenance.json"


Precision = Literal["fp32", "bf16", "fp16"]
"""What an inference call computes in: fp32, or autocast to bfloat16 / float16 (convolutions
and matrix multiplies in the reduced type, normalization and reductions in fp32)."""
REDUCED = {"bf16": torch.bfloat16, "fp16": torch.float16}
Method = TypeVar("Method", bound=Callable[..., Any])


def best_device() -> torch.device:
    """CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def bf16_units(device_type: str) -> bool:
    """Whether bf16 runs natively on ``device_type``: a CPU needs AVX-512 BF16 or AMX (elsewhere
    oneDNN emulates it, slower than fp32); GPUs are taken to have it."""
    return device_type != "cpu" or torch.ops.mkldnn._is_mkldnn_bf16_supported()


def autocast(precision: str, device_type: str) -> contextlib.AbstractContextManager:
    """Autocast to ``precision`` on ``device_type``; nothing for fp32."""
    dtype = REDUCED.get(precision)
    return contextlib.nullcontext() if dtype is None else torch.autocast(device_type, dtype=dtype)


def inference(method: Method) -> Method:
    """A pipeline method that runs as every inference call does (:meth:`InferencePipeline.running`);
    a reduced-precision tensor it returns comes back in fp32, as the rest of zoo expects."""

    @functools.wraps(method)
    def run(self: InferencePipeline, *args: Any, **kwargs: Any) -> Any:
        with self.running():
            result = method(self, *args, **kwargs)
        if isinstance(result, tuple):
            return tuple(_fp32(item) for item in result)
        return _fp32(result)

    return run  # type: ignore[return-value]


def _fp32(value: Any) -> Any:
    return value.float() if isinstance(value, torch.Tensor) and value.dtype in REDUCED.values() else value


class InferencePipeline:
    """Base of every family's pipeline (through :class:`zoo.Pipeline`); a family implements
    :meth:`generate`."""

    def __init__(self, config: RunConfig, nets: nn.ModuleDict, device: str | torch.device | None = None):
        self.config = config
        self.provenance: dict[str, Any] = {}
        """Where the weights come from, for the model card: ``license``, ``source``, ``pretrained``
        (the registered name they were imported as). Imported official weights keep their terms."""
        self.nets = nets.eval()
        self.device = torch.device(device) if device else best_device()
        self.nets.to(self.device)
        self.registry: Registry | None = None
        """The registry the model was built from; what it saves, exports or pushes later uses it."""
        self.checkpoint: Path | None = None
        """The training checkpoint folder the weights were read from, if any (its card tells how
        far the training got)."""
        self.precision: Precision = "fp32"
        """What inference computes in (:meth:`to`); fp32 unless asked, since bf16 and fp16 change
        the outputs (by about 40-75 dB PSNR in ``benchmarks/results/export.json``)."""

    # --- what a family implements ------------------------------------------------------------
    def generate(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (N, C, H, W) -> images in [-1, 1]. Called bare, it runs with autograd
        and in fp32: the pipeline's calls run it under :meth:`running`."""
        raise NotImplementedError

    usage: str = 'image = pipe("input.png")'
    """How the family's pipeline is called, for model cards."""
    takes_images: bool = True
    """Whether ``pipe(image)`` translates an input image (``zoo generate`` runs it over files);
    False for a family whose call makes images from noise alone."""
    graph_needs: tuple[str, ...] = ()
    """Inference networks besides ``G`` that every call needs, so an exported graph of ``G``
    alone cannot stand in for the model (pix2pixHD's instance-feature encoder)."""

    # --- user-facing call ---------------------------------------------------------------------
    input_channels: int | None = None
    """Channels the generator takes; user images are converted to it (grey <-> RGB, alpha dropped)."""

    def __call__(self, images: ImageInput | Sequence[ImageInput], output_type: OutputType = "pil") -> Any:
        """Translate one image or a batch; returns the same shape of answer (one or a list)."""
        batch, single = to_batch(images, self.input_channels)
        with self.running():
            out = self.generate(batch.to(self.device) * 2 - 1)
        return from_batch((out.float().clamp(-1, 1) + 1) / 2, output_type, single)

    def evaluation_batch(self, items: Mapping[str, Any], seed: int, variants: int = 0) -> EvalBatch:
        """The metrics' view of a collated batch of the model's data set: outputs for its inputs
        beside its targets. Families whose inputs are not ``input`` images override this."""
        with self.running():
            fake = self.generate(items["input"].to(self.device)).float()
        return EvalBatch(fake=to_unit(fake), real=to_unit(items["target"]))

    def graph_spec(self) -> GraphSpec:
        """The generator as an exportable graph: an ``image`` in, an image out, at any multiple
        of its stride. Families with other inputs override this."""
        generator = self.nets["G"]
        multiple = getattr(generator, "size_multiple", 1)
        image = GraphInput("image", ("N", self.input_channels or 3, "H", "W"))
        return GraphSpec(generator, [image], multiple=multiple, attributes={"size_multiple": multiple})

    @property
    def exported(self) -> bool:
        """Whether an exported graph stands in for the generator (no PyTorch weights to save)."""
        return any(isinstance(net, GraphRuntime) for net in self.nets.values())

    def to(
        self,
        device: str | torch.device | None = None,
        *,
        precision: Precision | None = None,
        channels_last: bool | None = None,
    ) -> InferencePipeline:
        """Move the model to ``device``; compute in ``precision`` (autocast: bf16 runs on the
        CPU's AMX/AVX-512 bf16 units, fp16 on GPUs); store the networks' weights channels-last
        (NHWC), which oneDNN's and cuDNN's fastest convolutions take. bf16 with channels-last
        ran 2.5-4.4x eager fp32 at 40-75 dB PSNR on this project's CPU, with random weights
        (``benchmarks/README.md``); measure a trained model with ``zoo bench``. Both change the
        outputs slightly, so neither is on by default."""
        if self.exported and (precision not in (None, "fp32") or channels_last):
            raise ZooError("an exported graph runs in the precision and layout it was exported in (fp32, fp16 or "
                           "int8): load the PyTorch model for bf16 or channels-last")  # fmt: skip
        if device is not None:
            self.device = torch.device(device)
            self.nets.to(self.device)
        if precision is not None:
            if precision not in get_args(Precision):
                raise ZooError(f"precision={precision!r}: choose one of {', '.join(get_args(Precision))}")
            if precision == "bf16" and not bf16_units(self.device.type):
                warnings.warn("this CPU has no bf16 units (AVX-512 BF16 or AMX): bf16 runs emulated, slower than fp32",
                              stacklevel=2)  # fmt: skip
            self.precision = precision
        if channels_last is not None:
            self.nets.to(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
        return self

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """How every inference call runs: without autograd, in the pipeline's precision."""
        with torch.inference_mode(), autocast(self.precision, self.device.type):
            yield

    def save(self, folder: Path, config: Mapping[str, Any] | None = None) -> None:
        """Write the model: ``config.json`` (``config`` instead of the model's own, as a push
        publishes it), ``model.safetensors`` and, if known, ``provenance.json``."""
        if self.exported:
            raise ZooError("this pipeline runs an exported graph, which holds no PyTorch weights to save or push")
        folder.mkdir(parents=True, exist_ok=True)
        if config is None:
            self.config.save(folder / CONFIG_NAME)
        else:
            write_atomic(folder / CONFIG_NAME, json.dumps(config, indent=2))
        state = {key: value.detach().contiguous().cpu() for key, value in self.nets.state_dict().items()}
        save_weights(folder / WEIGHTS_NAME, state, metadata={"format": "pt", "arch": self.config.arch})
        if self.provenance:
            (folder / PROVENANCE_NAME).write_text(json.dumps(self.provenance, indent=2))
