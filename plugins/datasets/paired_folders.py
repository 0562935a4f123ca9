"""``paired-folders``: inputs and targets in two folders, matched by file stem."""

from __future__ import annotations

import torch

from zoo.data import SeededDataset, check_all, list_images, read_image
from zoo.errors import DataError

from .transforms import PairTransform, Preprocess


class PairedFolders(SeededDataset):
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
        inputs = {p.stem: p for p in list_images(input_dir, "input images")}
        targets = {p.stem: p for p in list_images(target_dir, "target images")}
        for stem in sorted(set(inputs) ^ set(targets)):
            alone, other = (inputs[stem], target_dir) if stem in inputs else (targets[stem], input_dir)
            raise DataError(f"{alone}: no partner named {stem}.* in {other}; add it or remove this file")
        self.pairs = [(inputs[stem], targets[stem]) for stem in sorted(inputs)]
        self.transform = PairTransform(preprocess, load_size, crop_size, flip)
        self.modes = ("L" if input_nc == 1 else "RGB", "L" if output_nc == 1 else "RGB")
        self.seed = seed
        sizes = check_all(p for pair in self.pairs for p in pair)
        for a, b in self.pairs:
            if sizes[a] != sizes[b]:
                raise DataError(
                    f"{a} is {sizes[a][0]}x{sizes[a][1]} but its partner {b} is {sizes[b][0]}x{sizes[b][1]}; "
                    f"a pair must have one size"
                )
            problem = self.transform.check(*sizes[a])
            if problem:
                raise DataError(f"{a}: {problem}")

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor | str]:
        a_path, b_path = self.pairs[index]
        a, b = read_image(a_path, self.modes[0]), read_image(b_path, self.modes[1])
        a, b = self.transform([a, b], self.rng(index))
        return {"input": a, "target": b, "path": str(a_path)}
