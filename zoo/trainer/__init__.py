"""The generic trainer and its parts (the loop, data order, data parallelism, monitoring); the
checkpoints it writes are :mod:`zoo.checkpoint`."""

from zoo.trainer.loop import Trainer

__all__ = ["Trainer"]
