"""SPADE / GauGAN: spatially-adaptive normalization, the VAE style encoder, the released models."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_architectures():
    from .architecture import SPADEArchitecture

    return {"spade": SPADEArchitecture}


@hookimpl
def zoo_generators():
    from .generator import SPADEGenerator

    return {"spade": SPADEGenerator}


@hookimpl
def zoo_discriminators():
    from .discriminator import spade_multiscale

    return {"spade_multiscale": spade_multiscale}


@hookimpl
def zoo_encoders():
    from .encoder import ConvEncoder

    return {"spade_encoder": ConvEncoder}


@hookimpl
def zoo_pretrained_models():
    from .pretrained import PRETRAINED

    return PRETRAINED
