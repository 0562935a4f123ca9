"""``paired-folders``: inputs and targets in two folders, matched by file stem."""

from __future__ import annotations

import torch

from zoo.data import check_all, list_images, read_image
from zoo.errors import DataError

from .matching import by_key, match
from .pairs import PairedImages
from .transforms import Preprocess


class PairedFolders(PairedImages):
    """Two folders of images paired by name: ``input_dir/x.png`` with ``target_dir/x.jpg``; every file needs
    a partner of the same size."""

    def __init__(
        self,
        input_dir: str,
        target_dir: str,
        preprocess: Preprocess = "resize_and_crop",
        load_size: int = 286,
        crop_size: int = 256,
        flip: bool = True,
        input_nc: int = 3,
        output_nc: int = 3,
        seed: int = 0,
    ):
        super().__init__(preprocess, load_size, crop_size, flip, input_nc, output_nc, seed)
        groups = {
            "input": by_key(list_images(input_dir, "input images"), "input"),
            "target": by_key(list_images(target_dir, "target images"), "target"),
        }
        self.pairs = [(pair["input"], pair["target"]) for pair in match(groups)]
        sizes = check_all(p for pair in self.pairs for p in pair)
        for a, b in self.pairs:
            if sizes[a] != sizes[b]:
                raise DataError(
                    f"{a} is {sizes[a][0]}x{sizes[a][1]} but its partner {b} is {sizes[b][0]}x{sizes[b][1]}; "
                    f"a pair must have one size"
                )
            self.check_size(a, *sizes[a])

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        a, b = self.pairs[index]
        return self.item(read_image(a, self.modes[0]), read_image(b, self.modes[1]), index, a)
