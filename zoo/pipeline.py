"""Inference pipelines: user images in, images out, with a trained model's inference networks.

A pipeline converts whatever the user passes (PIL images, numpy arrays, tensors, file paths;
one or a batch) into the model's input range, runs the family's generator, and converts back.
It saves and loads as ``config.json`` + ``model.safetensors`` through ``huggingface_hub``'s
:class:`~huggingface_hub.ModelHubMixin`, so the same object pushes to and loads from the Hub.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import ModelHubMixin
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from zoo.config import RunConfig
from zoo.errors import CheckpointError, ZooError
from zoo.graph import GraphInput, GraphRuntime, GraphSpec
from zoo.images import ImageInput, OutputType, from_batch, to_batch
from zoo.registry import Registry, get_registry

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
PROVENANCE_NAME = "provenance.json"


def best_device() -> torch.device:
    """CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class Pipeline(ModelHubMixin):
    """Base of every family's pipeline; a subclass implements :meth:`generate`."""

    def __init__(self, config: RunConfig, nets: nn.ModuleDict, device: str | torch.device | None = None):
        self.config = config
        self.provenance: dict[str, Any] = {}
        """Where the weights come from, for the model card: ``license``, ``source``, ``pretrained``
        (the registered name they were imported as). Imported official weights keep their terms."""
        self.nets = nets.eval()
        self.device = torch.device(device) if device else best_device()
        self.nets.to(self.device)

    # --- what a family implements ------------------------------------------------------------
    def generate(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [-1, 1] (N, C, H, W) -> images in [-1, 1]."""
        raise NotImplementedError

    usage: str = 'image = pipe("input.png")'
    """How the family's pipeline is called, for model cards."""
    graph_needs: tuple[str, ...] = ()
    """Inference networks besides ``G`` that every call needs, so an exported graph of ``G``
    alone cannot stand in for the model (pix2pixHD's instance-feature encoder)."""

    # --- user-facing call ---------------------------------------------------------------------
    input_channels: int | None = None
    """Channels the generator takes; user images are converted to it (grey <-> RGB, alpha dropped)."""

    def __call__(self, images: ImageInput | Sequence[ImageInput], output_type: OutputType = "pil") -> Any:
        """Translate one image or a batch; returns the same shape of answer (one or a list)."""
        batch, single = to_batch(images, self.input_channels)
        with torch.inference_mode():
            out = self.generate(batch.to(self.device) * 2 - 1)
        return from_batch((out.float().clamp(-1, 1) + 1) / 2, output_type, single)

    def graph_spec(self) -> GraphSpec:
        """The generator as an exportable graph: an ``image`` in, an image out, at any multiple
        of its stride. Families with other inputs override this."""
        generator = self.nets["G"]
        multiple = getattr(generator, "size_multiple", 1)
        image = GraphInput("image", ("N", self.input_channels or 3, "H", "W"))
        return GraphSpec(generator, [image], multiple=multiple, attributes={"size_multiple": multiple})

    def to(self, device: str | torch.device) -> Pipeline:
        self.device = torch.device(device)
        self.nets.to(self.device)
        return self

    # --- persistence (ModelHubMixin) ----------------------------------------------------------
    def _save_pretrained(self, save_directory: Path) -> None:
        if any(isinstance(net, GraphRuntime) for net in self.nets.values()):
            raise ZooError("this pipeline runs an exported graph, which holds no PyTorch weights to save or push")
        save_directory.mkdir(parents=True, exist_ok=True)
        self.config.save(save_directory / CONFIG_NAME)
        state = {key: value.detach().contiguous().cpu() for key, value in self.nets.state_dict().items()}
        save_file(state, str(save_directory / WEIGHTS_NAME), metadata={"format": "pt", "arch": self.config.arch})
        if self.provenance:
            (save_directory / PROVENANCE_NAME).write_text(json.dumps(self.provenance, indent=2))

    @classmethod
    def from_pretrained(  # type: ignore[override]
        cls,
        pretrained_model_name_or_path: str | Path,
        *,
        revision: str | None = None,
        device: str | torch.device | None = None,
        **hub_options: Any,
    ) -> Pipeline:
        """As :func:`zoo.load`: a folder, a Hub repository id or a registered name; ``hub_options``
        (``token``, ``cache_dir``, ``force_download``, ``local_files_only``) go to the download."""
        from zoo.api import load

        return load(pretrained_model_name_or_path, revision, device, **hub_options)

    def generate_model_card(self, *args: Any, **kwargs: Any) -> Any:
        """The card written beside saved weights (``README.md``), from the model's data."""
        from zoo.model_cards import model_card

        return model_card(self)

    def push_to_hub(self, repo_id: str, **options: Any) -> str:  # type: ignore[override]
        """Upload to the Hub with the card and samples; see :func:`zoo.hub.push` for ``options``."""
        from zoo.hub import push

        return push(self, repo_id, **options)


def training_model(pipeline: Pipeline, registry: Registry | None = None) -> Any:
    """The family's architecture holding ``pipeline``'s inference weights, in eval mode: its
    ``prepare_batch`` and ``generate`` turn data-set items into generator inputs and outputs
    (int8 calibration, model-card samples), so no family writes that twice."""
    registry = registry or get_registry()
    model = registry.get("architecture", pipeline.config.arch).obj(pipeline.config, registry).eval()
    model.nets.load_state_dict(pipeline.nets.state_dict(), strict=False)  # only the inference nets are saved
    return model


def from_folder(folder: Path, registry: Registry | None = None, device: str | torch.device | None = None) -> Pipeline:
    """Build the pipeline saved in ``folder`` (``config.json`` + ``model.safetensors``).

    Loading is strict: a key missing from the file, or one the model does not have, is an
    error naming the keys.
    """
    registry = registry or get_registry()
    config = read_config(folder / CONFIG_NAME, registry)
    pipeline = assemble(config, read_weights(folder / WEIGHTS_NAME), folder / WEIGHTS_NAME, registry, device)
    if (folder / PROVENANCE_NAME).is_file():
        pipeline.provenance = json.loads((folder / PROVENANCE_NAME).read_text())
    return pipeline


def assemble(
    config: RunConfig,
    state: dict[str, torch.Tensor],
    source: Path | str,
    registry: Registry,
    device: str | torch.device | None = None,
) -> Pipeline:
    """The pipeline of ``config`` holding the weights ``state`` of its inference networks."""
    arch_cls = registry.get("architecture", config.arch).obj
    nets = build_loaded(arch_cls, config, registry, arch_cls.inference_networks(config), state, source)
    return arch_cls.pipeline(config, nets, device=device)


def build_loaded(
    arch_cls: type,
    config: RunConfig,
    registry: Registry,
    names: list[str],
    state: dict[str, torch.Tensor],
    source: Path | str,
) -> nn.ModuleDict:
    """The networks ``names`` holding ``state``. They are built on the meta device, so the
    initialisation that the weights replace costs nothing (seconds for a 180 M-parameter model)."""
    with torch.device("meta"):
        nets = arch_cls.build_nets(config, registry, names)
    load_strict(nets, state, source, assign=True)
    if any(t.is_meta for t in [*nets.parameters(), *nets.buffers()]):  # a buffer the file does not hold
        nets = arch_cls.build_nets(config, registry, names)
        load_strict(nets, state, source)
    return nets


def read_config(path: Path, registry: Registry) -> RunConfig:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing: a saved model folder holds {CONFIG_NAME}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CheckpointError(f"cannot read {path}: {exc}") from None
    return RunConfig.from_dict(data, registry, source=str(path))


def read_weights(path: Path) -> dict[str, torch.Tensor]:
    """A safetensors file as tensors; never unpickles anything."""
    try:
        return load_file(str(path))
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing") from None
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is corrupt or truncated ({exc}); save or download it again") from None


def load_strict(module: nn.Module, state: dict[str, torch.Tensor], source: Path | str, assign: bool = False) -> None:
    """``load_state_dict(strict=True)`` with an error that names the keys and the file."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    wrong = sorted(k for k in set(own) & set(state) if own[k].shape != state[k].shape)
    if missing or unexpected or wrong:
        parts = [
            f"missing keys: {_keys(missing)}" if missing else "",
            f"unexpected keys: {_keys(unexpected)}" if unexpected else "",
            "wrong shapes: " + _keys([f"{k} {tuple(state[k].shape)} != {tuple(own[k].shape)}" for k in wrong])
            if wrong
            else "",
        ]
        raise CheckpointError(f"{source} does not fit the model ({'; '.join(p for p in parts if p)})")
    module.load_state_dict(state, strict=True, assign=assign)


def _keys(keys: list[str], limit: int = 8) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f" and {len(keys) - limit} more" if len(keys) > limit else "")
