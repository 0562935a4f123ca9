"""pix2pix: U-Net and ResNet generators, PatchGAN discriminators, and the pix2pix recipe."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_architectures():
    from .architecture import Pix2Pix

    return {"pix2pix": Pix2Pix}


@hookimpl
def zoo_generators():
    from zoo.nn.init import initialised
    from zoo.options import preset

    from .resnet import ResnetGenerator
    from .unet import UnetGenerator

    unet, resnet = initialised(UnetGenerator), initialised(ResnetGenerator)
    return {
        "unet": unet,
        "unet_256": preset(unet, "pix2pix U-Net for 256x256 images (8 levels), the paper's generator.", num_downs=8),
        "unet_128": preset(unet, "pix2pix U-Net for 128x128 images (7 levels).", num_downs=7),
        "resnet": resnet,
        "resnet_9blocks": preset(resnet, "ResNet generator with 9 residual blocks (256x256 images).", n_blocks=9),
        "resnet_6blocks": preset(resnet, "ResNet generator with 6 residual blocks (128x128 images).", n_blocks=6),
    }


@hookimpl
def zoo_discriminators():
    from zoo.nn.init import initialised

    from .patchgan import NLayerDiscriminator, PixelDiscriminator

    return {"patchgan": initialised(NLayerDiscriminator), "pixelgan": initialised(PixelDiscriminator)}
