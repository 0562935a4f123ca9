"""Batches in an order fixed by (seed, epoch), addressable by position for exact resumption."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset

from zoo.errors import DataError
from zoo.trainer.distributed import World


class Batches:
    """An endless stream of micro-batches; ``cursor`` counts those handed out since the start.

    Epoch ``e`` visits a permutation drawn from ``seed + e``; each rank takes every
    ``world_size``-th item of it, and incomplete batches are dropped so every rank runs the
    same number of steps.
    """

    def __init__(self, dataset: Dataset, batch_size: int, num_workers: int, seed: int, world: World, cursor: int = 0):
        self.dataset, self.batch_size, self.num_workers = dataset, batch_size, num_workers
        self.seed, self.world, self.cursor = seed, world, cursor
        self.per_epoch = len(dataset) // world.world_size // batch_size  # type: ignore[arg-type]
        if self.per_epoch == 0:
            raise DataError(
                f"the data set has {len(dataset)} items, fewer than batch_size {batch_size} x "  # type: ignore[arg-type]
                f"{world.world_size} process(es); lower train.batch_size or add data"
            )
        self._iter: Iterator[Any] | None = None

    def _epoch_batches(self, epoch: int) -> list[list[int]]:
        order = torch.randperm(len(self.dataset), generator=torch.Generator().manual_seed(self.seed + epoch))  # type: ignore[arg-type]
        mine = order[self.world.rank :: self.world.world_size].tolist()
        return [mine[i * self.batch_size : (i + 1) * self.batch_size] for i in range(self.per_epoch)]

    def _start(self) -> Iterator[Any]:
        epoch, offset = divmod(self.cursor, self.per_epoch)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)
        loader = DataLoader(
            self.dataset,
            batch_sampler=self._epoch_batches(epoch)[offset:],
            num_workers=self.num_workers,
            generator=torch.Generator().manual_seed(self.seed + epoch),
        )
        return iter(loader)

    @property
    def epoch(self) -> int:
        return self.cursor // self.per_epoch

    def __next__(self) -> Any:
        if self._iter is None or self.cursor % self.per_epoch == 0:
            self._iter = self._start()
        batch = next(self._iter)
        self.cursor += 1
        return batch
