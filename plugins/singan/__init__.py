"""SinGAN: a pyramid of GANs learned from one image; random samples of any size,
super-resolution, paint-to-image, editing, harmonization and animation."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_architectures():
    from .architecture import SinGAN

    return {"singan": SinGAN}


@hookimpl
def zoo_generators():
    from .networks import SinGANGenerator

    return {"singan": SinGANGenerator}


@hookimpl
def zoo_discriminators():
    from .critics import SinGANCritics

    return {"singan_critics": SinGANCritics}


@hookimpl
def zoo_commands():
    from .cli import app

    return {"singan": app}
