"""Built-in metrics: the measures the four papers report, and the segmenters of the segmentation score."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_metrics():
    from .inception import FID, KID, SIFID
    from .lpips import LPIPSDiversity
    from .pixels import PSNR, SSIM
    from .segmentation import SegmentationScore

    return {
        "fid": FID,
        "kid": KID,
        "sifid": SIFID,
        "lpips_diversity": LPIPSDiversity,
        "psnr": PSNR,
        "ssim": SSIM,
        "segmentation": SegmentationScore,
    }


@hookimpl
def zoo_segmenters():
    from .drn import drn_d_105_cityscapes
    from .segmenters import torchvision_segmenter

    return {"torchvision": torchvision_segmenter, "drn_d_105_cityscapes": drn_d_105_cityscapes}
