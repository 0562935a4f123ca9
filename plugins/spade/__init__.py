"""SPADE / GauGAN: spatially-adaptive normalization, the VAE style encoder, the released models."""

from zoo import hookimpl

from .architecture import SPADEArchitecture
from .discriminator import spade_multiscale
from .encoder import ConvEncoder
from .generator import SPADEGenerator
from .pipeline import SPADEPipeline
from .pretrained import PRETRAINED

__all__ = ["SPADEArchitecture", "SPADEPipeline"]


@hookimpl
def zoo_architectures():
    return {"spade": SPADEArchitecture}


@hookimpl
def zoo_generators():
    return {"spade": SPADEGenerator}


@hookimpl
def zoo_discriminators():
    return {"spade_multiscale": spade_multiscale}


@hookimpl
def zoo_encoders():
    return {"spade_encoder": ConvEncoder}


@hookimpl
def zoo_pretrained_models():
    return PRETRAINED
