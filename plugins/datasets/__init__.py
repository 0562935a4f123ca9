"""Built-in data sets: image pairs (``aligned``, ``paired-folders``), label maps (``cityscapes``,
``label-folder``) and the embedded ``synthetic`` scenes, which serve both."""

from zoo import hookimpl

from .aligned import AlignedDataset
from .cityscapes import Cityscapes
from .label_folder import LabelFolder
from .paired_folders import PairedFolders
from .synthetic import SyntheticScenes


@hookimpl
def zoo_datasets():
    return {
        "aligned": AlignedDataset,
        "paired-folders": PairedFolders,
        "cityscapes": Cityscapes,
        "label-folder": LabelFolder,
        "synthetic": SyntheticScenes,
    }
