"""pix2pixHD: global generator and local enhancers, multi-scale discriminator, feature encoder
with per-class styles, semantic manipulation."""

from zoo import hookimpl

from .architecture import Pix2PixHD
from .cli import edit_command
from .discriminator import pix2pixhd_multiscale
from .generators import FeatureEncoder, GlobalGenerator, LocalEnhancer
from .pipeline import Change, Pix2PixHDPipeline

__all__ = ["Change", "Pix2PixHD", "Pix2PixHDPipeline"]


@hookimpl
def zoo_architectures():
    return {"pix2pixhd": Pix2PixHD}


@hookimpl
def zoo_generators():
    return {"pix2pixhd_global": GlobalGenerator, "pix2pixhd_local": LocalEnhancer}


@hookimpl
def zoo_discriminators():
    return {"pix2pixhd_multiscale": pix2pixhd_multiscale}


@hookimpl
def zoo_encoders():
    return {"pix2pixhd_encoder": FeatureEncoder}


@hookimpl
def zoo_commands():
    return {"edit": edit_command}
