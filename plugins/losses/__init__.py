"""Built-in loss terms shared by the families."""

from zoo import hookimpl

from .adversarial import GANLoss
from .divergence import KLDivergenceLoss
from .matching import FeatureMatchingLoss
from .penalty import GradientPenalty
from .perceptual import VGGLoss
from .pixel import L1Loss, MSELoss


@hookimpl
def zoo_losses():
    return {
        "gan": GANLoss,
        "l1": L1Loss,
        "mse": MSELoss,
        "gradient_penalty": GradientPenalty,
        "feature_matching": FeatureMatchingLoss,
        "vgg": VGGLoss,
        "kl": KLDivergenceLoss,
    }
