"""pix2pix: U-Net and ResNet generators, PatchGAN discriminators, and the pix2pix recipe."""

from zoo import hookimpl

from .architecture import Pix2Pix
from .patchgan import patchgan, pixelgan
from .pipeline import Pix2PixPipeline
from .resnet import resnet, resnet_6blocks, resnet_9blocks
from .unet import unet, unet_128, unet_256

__all__ = ["Pix2Pix", "Pix2PixPipeline"]


@hookimpl
def zoo_architectures():
    return {"pix2pix": Pix2Pix}


@hookimpl
def zoo_generators():
    return {
        "unet": unet,
        "unet_256": unet_256,
        "unet_128": unet_128,
        "resnet": resnet,
        "resnet_9blocks": resnet_9blocks,
        "resnet_6blocks": resnet_6blocks,
    }


@hookimpl
def zoo_discriminators():
    return {"patchgan": patchgan, "pixelgan": pixelgan}
