"""The released SPADE models, by name. Their weights are NVIDIA's, under CC BY-NC-SA 4.0; zoo
does not download them from NVIDIA: convert the official checkpoint (``zoo convert FILES --arch
spade --like NAME --out DIR``), then load the folder (``zoo.load(DIR)``) or push it to a Hub
repository of your own (``zoo push DIR YOUR_NAME/NAME``) and load that."""

from __future__ import annotations

from zoo.pretrained import PretrainedModel

LICENSE = "cc-by-nc-sa-4.0"
SOURCE = "NVlabs/SPADE released checkpoints (checkpoints.tar.gz), imported with zoo convert"


def _model(name: str, summary: str, config: dict) -> PretrainedModel:
    folder = {"spade-cityscapes": "cityscapes", "spade-ade20k": "ade20k", "spade-coco-stuff": "coco"}[name]
    files = f"{folder}_pretrained/latest_net_G.pth of NVIDIA's checkpoints.tar.gz, linked from github.com/NVlabs/SPADE"
    return PretrainedModel(
        repo_id=f"zoo-gan/{name}",
        arch="spade",
        config=config,
        license=LICENSE,
        summary=summary,
        source=SOURCE,
        files=files,
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
