"""``zoo.Pipeline``: the base of every family's pipeline, an :class:`~zoo.inference.InferencePipeline`
that saves, loads and shares itself the way ``huggingface_hub.PyTorchModelHubMixin`` models do:
``save_pretrained``, ``from_pretrained``, ``push_to_hub``, with a card generated from its data.

(Not the mixin itself: subclassing it imports the Hub client's HTTP stack with every family,
half a second that ``zoo list`` and local work need not pay. The Hub is used when it is asked for.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from zoo.hub import push
from zoo.inference import InferencePipeline
from zoo.loading import load
from zoo.model_cards import model_card
from zoo.registry import Registry, get_registry

if TYPE_CHECKING:
    from huggingface_hub import ModelCard

CARD_NAME = "README.md"


class Pipeline(InferencePipeline):
    """A trained model: call it on images; save, load and share it like any Hub model."""

    def save_pretrained(
        self,
        save_directory: str | Path,
        *,
        repo_id: str | None = None,
        push_to_hub: bool = False,
        registry: Registry | None = None,
        **push_options: Any,
    ) -> str | None:
        """Write the model to ``save_directory`` (``config.json``, ``model.safetensors``, its card
        as ``README.md`` unless one is there); with ``push_to_hub`` also upload it to ``repo_id``
        (default: the folder's name) with :meth:`push_to_hub`'s ``push_options``, and return the
        commit's URL."""
        folder = Path(save_directory)
        registry = self._registry(registry)
        self.save(folder)
        if not (folder / CARD_NAME).exists():  # a card written by hand is kept
            self.generate_model_card(registry=registry).save(folder / CARD_NAME)
        if push_to_hub:
            return self.push_to_hub(repo_id or folder.name, registry=registry, **push_options)
        return None

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | Path,
        *,
        revision: str | None = None,
        device: str | torch.device | None = None,
        registry: Registry | None = None,
        **hub_options: Any,
    ) -> InferencePipeline:
        """As :func:`zoo.load`: a folder, a Hub repository id or a registered name; ``hub_options``
        (``token``, ``cache_dir``, ``force_download``, ``local_files_only``) go to the download."""
        return load(pretrained_model_name_or_path, revision, device, registry, **hub_options)

    def generate_model_card(self, registry: Registry | None = None) -> ModelCard:
        """The card written beside saved weights (``README.md``), from the model's data."""
        return model_card(self, self._registry(registry))

    def push_to_hub(self, repo_id: str, registry: Registry | None = None, **options: Any) -> str:
        """Upload to the Hub with the card and samples; see :func:`zoo.hub.push` for ``options``."""
        return push(self, repo_id, self._registry(registry), **options)

    def _registry(self, given: Registry | None) -> Registry:
        """The registry handed in, else the one the model was built from, else the global one."""
        return given or self.registry or get_registry()
