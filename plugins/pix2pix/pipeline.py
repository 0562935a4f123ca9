"""pix2pix inference: an image in, its translation out."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal

import torch
from torch import nn

from zoo.errors import ZooError
from zoo.pipeline import Pipeline

TestMode = Literal["eval", "paper"]


class Pix2PixPipeline(Pipeline):
    """Translates images with the generator ``G``.

    ``test_mode`` is ``"eval"`` by default: running statistics and no dropout, deterministic.
    ``"paper"`` keeps batch statistics and dropout active at test time, as the paper and the
    official ``test.py`` without ``--eval`` do (running statistics are left untouched).
    """

    _test_mode: TestMode = "eval"

    @property
    def input_channels(self) -> int:
        return self.config.nets["G"].options["input_nc"]

    @property
    def test_mode(self) -> TestMode:
        return self._test_mode

    @test_mode.setter
    def test_mode(self, mode: TestMode) -> None:
        if mode not in ("eval", "paper"):
            raise ZooError(f"test_mode {mode!r} is not one of eval, paper")
        self._test_mode = mode

    def generate(self, x: torch.Tensor) -> torch.Tensor:
        generator = self.nets["G"]
        multiple = getattr(generator, "size_multiple", 1)
        if x.shape[-2] % multiple or x.shape[-1] % multiple:
            raise ZooError(
                f"input of {x.shape[-1]}x{x.shape[-2]} pixels: {self.config.nets['G'].name} needs width and "
                f"height that are multiples of {multiple}; resize or crop the image first"
            )
        with _paper_mode(generator) if self.test_mode == "paper" else contextlib.nullcontext():
            return generator(x)


@contextlib.contextmanager
def _paper_mode(net: nn.Module) -> Iterator[None]:
    """Dropout on and batch statistics in use, without updating the running statistics."""
    changed = [m for m in net.modules() if isinstance(m, (nn.Dropout, nn.modules.batchnorm._BatchNorm))]
    momenta = {m: getattr(m, "momentum", None) for m in changed}
    for m in changed:
        m.train()
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 0.0
    try:
        yield
    finally:
        for m in changed:
            m.eval()
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.momentum = momenta[m]
