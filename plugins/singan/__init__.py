"""SinGAN: a pyramid of GANs learned from one image; random samples of any size,
super-resolution, paint-to-image, editing, harmonization and animation."""

from zoo import hookimpl

from .architecture import SinGAN
from .cli import app as cli
from .critics import SinGANCritics
from .networks import SinGANGenerator
from .pipeline import SinGANPipeline

__all__ = ["SinGAN", "SinGANPipeline"]


@hookimpl
def zoo_architectures():
    return {"singan": SinGAN}


@hookimpl
def zoo_generators():
    return {"singan": SinGANGenerator}


@hookimpl
def zoo_discriminators():
    return {"singan_critics": SinGANCritics}


@hookimpl
def zoo_commands():
    return {"singan": cli}
