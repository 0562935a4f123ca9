"""``zoo.Pipeline``: the base of every family's pipeline, an :class:`~zoo.inference.InferencePipeline`
that saves, loads and shares itself the way ``huggingface_hub.PyTorchModelHubMixin`` models do:
``save_pretrained``, ``from_pretrained``, ``push_to_hub``, with a card generated from its data.

(Not the mixin itself: subclassing it imports the Hub client's HTTP stack with every family,
half a second that ``zoo list`` and local work need not pay. The Hub is used when it is asked for.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from zoo.errors import ConfigError, ZooError
from zoo.inference import InferencePipeline
from zoo.loading import load
from zoo.model_cards import model_card
from zoo.push import push
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
        config: dict[str, Any] | None = None,
        repo_id: str | None = None,
        push_to_hub: bool = False,
        model_card_kwargs: dict[str, Any] | None = None,
        registry: Registry | None = None,
        **push_options: Any,
    ) -> str | None:
        """Write the model to ``save_directory`` (``config.json``, ``model.safetensors``, its card
        as ``README.md`` unless one is there; ``model_card_kwargs`` override the card template's
        values); with ``push_to_hub`` also upload it to ``repo_id`` (default: the folder's name)
        with :meth:`push_to_hub`'s ``push_options``, and return the commit's URL. The arguments
        are ``ModelHubMixin.save_pretrained``'s; ``config`` must be the model's own, if given."""
        self._own_config(config)
        if push_options and not push_to_hub:
            raise ZooError(
                f"save_pretrained got {', '.join(push_options)}, which only a push takes: add push_to_hub=True"
            )
        folder = Path(save_directory)
        registry = self._registry(registry)
        self.save(folder)
        if not (folder / CARD_NAME).exists():  # a card written by hand is kept
            self.generate_model_card(registry=registry, **(model_card_kwargs or {})).save(folder / CARD_NAME)
        if push_to_hub:
            options = {"model_card_kwargs": model_card_kwargs, **push_options}
            return self.push_to_hub(repo_id or folder.name, registry=registry, **options)
        return None

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | Path,
        *,
        revision: str | None = None,
        device: str | torch.device | None = None,
        registry: Registry | None = None,
        artifact: str | None = None,
        **hub_options: Any,
    ) -> InferencePipeline:
        """As :func:`zoo.load`: a folder, a Hub repository id or a registered name (``artifact``: an
        exported file of it instead of its weights); ``hub_options`` (``token``, ``cache_dir``,
        ``force_download``, ``local_files_only``) go to the download."""
        return load(pretrained_model_name_or_path, revision, device, registry, artifact, **hub_options)

    def generate_model_card(self, registry: Registry | None = None, **template: Any) -> ModelCard:
        """The card written beside saved weights (``README.md``), from the model's data;
        ``template`` overrides the template's values."""
        return model_card(self, self._registry(registry), **template)

    def push_to_hub(
        self, repo_id: str, *, config: dict[str, Any] | None = None, registry: Registry | None = None, **options: Any
    ) -> str:
        """Upload to the Hub with the card and samples; see :func:`zoo.push.push` for ``options``
        (``ModelHubMixin.push_to_hub``'s among them). ``config`` must be the model's own, if given."""
        self._own_config(config)
        return push(self, repo_id, self._registry(registry), **options)

    def _own_config(self, config: dict[str, Any] | None) -> None:
        """A zoo model saves and pushes its own run configuration: another one would describe a
        different model than its weights."""
        if config is not None and config != self.config.to_dict():
            raise ConfigError(
                "config=: a zoo model writes its own configuration (config.json); to change it, build the model "
                "from zoo.make_config(..., overrides=[...]) and train or convert it again"
            )

    def _registry(self, given: Registry | None) -> Registry:
        """The registry handed in, else the one the model was built from, else the global one."""
        return given or self.registry or get_registry()
