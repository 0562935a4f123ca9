"""Built-in loss terms shared by the families."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_losses():
    from .adversarial import GANLoss
    from .divergence import KLDivergenceLoss
    from .matching import FeatureMatchingLoss
    from .penalty import GradientPenalty
    from .perceptual import VGGLoss
    from .pixel import L1Loss, MSELoss

    return {
        "gan": GANLoss,
        "l1": L1Loss,
        "mse": MSELoss,
        "gradient_penalty": GradientPenalty,
        "feature_matching": FeatureMatchingLoss,
        "vgg": VGGLoss,
        "kl": KLDivergenceLoss,
    }
