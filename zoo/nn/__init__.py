"""Building blocks shared by the model families (normalization choice, weight init)."""

from zoo.nn.init import init_weights
from zoo.nn.norm import NormName, norm_layer

__all__ = ["NormName", "init_weights", "norm_layer"]
