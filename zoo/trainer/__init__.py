"""The generic trainer and its parts (checkpoints, data order, data parallelism, monitoring)."""

from zoo.trainer.loop import Trainer

__all__ = ["Trainer"]
