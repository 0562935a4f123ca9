"""pix2pixHD: global generator and local enhancers, multi-scale discriminator, feature encoder
with per-class styles, semantic manipulation."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_architectures():
    from .architecture import Pix2PixHD

    return {"pix2pixhd": Pix2PixHD}


@hookimpl
def zoo_generators():
    from .generators import GlobalGenerator, LocalEnhancer

    return {"pix2pixhd_global": GlobalGenerator, "pix2pixhd_local": LocalEnhancer}


@hookimpl
def zoo_discriminators():
    from .discriminator import pix2pixhd_multiscale

    return {"pix2pixhd_multiscale": pix2pixhd_multiscale}


@hookimpl
def zoo_encoders():
    from .generators import FeatureEncoder

    return {"pix2pixhd_encoder": FeatureEncoder}


@hookimpl
def zoo_commands():
    from .cli import edit_command

    return {"edit": edit_command}
