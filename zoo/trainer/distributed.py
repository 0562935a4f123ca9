"""Data parallelism on PyTorch's own engine, switched on when launched by ``torchrun``.

``torchrun --nproc_per_node N -m zoo train ...`` sets ``WORLD_SIZE``/``RANK``/``LOCAL_RANK``;
the trainer then joins the process group (NCCL on GPUs, gloo on CPUs), shards the data and wraps
the trainable networks in :class:`~torch.nn.parallel.DistributedDataParallel`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


@dataclass(frozen=True)
class World:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls) -> World:
        return cls(
            int(os.environ.get("RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)),
            int(os.environ.get("LOCAL_RANK", 0)),
        )

    def init(self, device: torch.device) -> None:
        """Join the process group (once); NCCL for CUDA devices, gloo otherwise."""
        if self.enabled and not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def wrap(self, module: nn.Module, device: torch.device) -> nn.Module:
        ids = [device.index] if device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj``, in rank order (just ``[obj]`` without a process group)."""
        if not self.enabled:
            return [obj]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def any(self, flag: bool) -> bool:
        """True on every rank if ``flag`` is true on any (a stop request, say)."""
        if not self.enabled:
            return flag
        tensor = torch.tensor([int(flag)])
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
        return bool(tensor.item())

    def mean(self, values: dict[str, float]) -> dict[str, float]:
        """Each value averaged over the ranks (the same keys on every rank)."""
        if not self.enabled or not values:
            return values
        tensor = torch.tensor(list(values.values()), dtype=torch.float64)
        dist.all_reduce(tensor)
        return dict(zip(values, (tensor / self.world_size).tolist(), strict=True))

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def close(self) -> None:
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()
