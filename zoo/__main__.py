"""``python -m zoo`` is the ``zoo`` command (``torchrun -m zoo train`` for data parallelism)."""

from zoo.cli import main

main()
