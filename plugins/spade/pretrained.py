"""The released SPADE models, by name. Their weights are NVIDIA's, under CC BY-NC-SA 4.0; zoo
does not download them from NVIDIA: convert the official checkpoint (``zoo convert --arch spade
--like NAME``) and push it to the Hub repository named here, or point ``zoo.load`` at your copy."""

from __future__ import annotations

from zoo.pretrained import PretrainedModel

LICENSE = "cc-by-nc-sa-4.0"
SOURCE = "NVlabs/SPADE released checkpoints (checkpoints.tar.gz), imported with zoo convert"


def _model(name: str, summary: str, config: dict) -> PretrainedModel:
    return PretrainedModel(
        repo_id=f"zoo-gan/{name}", arch="spade", config=config, license=LICENSE, summary=summary, source=SOURCE
    )


PRETRAINED = {
    "spade-cityscapes": _model(
        "spade-cityscapes",
        "SPADE on Cityscapes: 35 classes with instance edges, 512x256 ('more' upsampling).",
        {"data": {"name": "cityscapes"}},
    ),
    "spade-ade20k": _model(
        "spade-ade20k",
        "SPADE on ADE20K: 150 classes and 'other', 256x256; label values as the released model saw them "
        "(raw: value v to channel v, 'other' 0 to channel 0).",
        {"data": {"name": "ade20k", "labels": "released"}},
    ),
    "spade-coco-stuff": _model(
        "spade-coco-stuff",
        "SPADE on COCO-Stuff: 182 classes, don't-care and instance edges, 256x256.",
        {"data": {"name": "coco-stuff"}},
    ),
}
