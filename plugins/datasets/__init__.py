"""Built-in data sets: image pairs (``aligned``, ``paired-folders``), label maps (``cityscapes``,
``ade20k``, ``coco-stuff``, ``label-folder``), the embedded ``synthetic`` scenes, which serve both,
and ``single-image`` (SinGAN; SinGAN's balloons by default)."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_datasets():
    from .ade20k import ADE20K
    from .aligned import AlignedDataset
    from .cityscapes import Cityscapes
    from .coco_stuff import COCOStuff
    from .label_folder import LabelFolder
    from .paired_folders import PairedFolders
    from .single_image import SingleImage
    from .synthetic import SyntheticScenes

    return {
        "aligned": AlignedDataset,
        "paired-folders": PairedFolders,
        "cityscapes": Cityscapes,
        "ade20k": ADE20K,
        "coco-stuff": COCOStuff,
        "label-folder": LabelFolder,
        "synthetic": SyntheticScenes,
        "single-image": SingleImage,
    }
