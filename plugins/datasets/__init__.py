"""Built-in data sets: pix2pix's ``aligned`` folders, ``paired-folders`` and the embedded ``synthetic`` scenes."""

from zoo import hookimpl

from .aligned import AlignedDataset
from .paired_folders import PairedFolders
from .synthetic import SyntheticScenes


@hookimpl
def zoo_datasets():
    return {"aligned": AlignedDataset, "paired-folders": PairedFolders, "synthetic": SyntheticScenes}
