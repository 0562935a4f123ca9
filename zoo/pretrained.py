"""Named pretrained models: what the ``zoo_pretrained_models`` hook registers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PretrainedModel:
    """A name users can pass to ``zoo.load``, resolved to a Hugging Face Hub repository.

    ``license`` travels with weights imported as this model (``zoo convert --like NAME`` records
    it in the saved folder's ``provenance.json``, from which the model card takes it): an official
    release keeps its terms (SPADE's are CC BY-NC-SA 4.0, for instance).
    """

    repo_id: str
    arch: str
    config: Mapping[str, Any] = field(default_factory=dict)
    """The model's configuration over the architecture's defaults (``zoo convert --like NAME``
    starts from it when importing the official weights)."""
    revision: str | None = None
    license: str | None = None
    summary: str = ""
    source: str = ""
    """Where the weights come from (the official release they were converted from); a name with
    a source that cannot be fetched says how to convert that release with ``zoo convert``."""
    files: str = ""
    """The official files to convert (``zoo convert FILES --like NAME``) and where they are found."""
