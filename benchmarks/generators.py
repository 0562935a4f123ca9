"""Forward time and peak memory of the generators at their reference sizes on this machine:
pix2pixHD's global generator at 1024x512 and local enhancer at 2048x1024 (Cityscapes: 35 classes
+ instance edges = 36 input channels), and SPADE's Cityscapes generator at 512x256 ('more')."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import torch
from common import fraction_of_limit, peak_memory_mb, report, run_case, timed
from torch.utils.flop_counter import FlopCounterMode

import zoo
from zoo.exporting.prepare import for_export


def _input(height: int, width: int) -> Callable[[], torch.Tensor]:
    return lambda: torch.randn(1, 36, height, width)


CASES: dict[str, tuple[str, dict, Callable[[], torch.Tensor]]] = {
    "pix2pixHD global 1024x512": ("pix2pixhd_global", {}, _input(512, 1024)),
    "pix2pixHD local 2048x1024": ("pix2pixhd_local", {}, _input(1024, 2048)),
    "SPADE Cityscapes 512x256": (
        "spade",
        {"semantic_nc": 36, "num_upsampling_layers": "more", "crop_size": 512, "aspect_ratio": 2.0},
        _input(256, 512),
    ),
}


def run(case: str, repeats: int) -> dict:
    name, options, make_input = CASES[case]
    generator = zoo.create_model(name, **options).eval()
    x = make_input()
    folded = for_export(generator)  # spectral norm folded: the FLOP counter cannot run the parametrization
    with torch.inference_mode():
        result = timed(lambda: generator(x), repeats=repeats, warmup=1)
        with FlopCounterMode(display=False) as counter:
            folded(x)
    params = sum(p.numel() for p in generator.parameters())
    gflop = counter.get_total_flops() / 1e9
    return {
        "case": case,
        "params_m": params / 1e6,
        **result,
        "gflop": gflop,
        "gflops": gflop / result["median_s"],
        "fraction": fraction_of_limit(gflop, result["median_s"]),
        "peak_mb": peak_memory_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run(args.case, args.repeats)))
        return
    rows = [run_case(Path(__file__), case) for case in CASES]
    columns = {"case": "case", "params_m": "params (M)", "median_s": "forward (s)", "gflop": "GFLOP",
               "gflops": "GFLOP/s", "fraction": "fraction of the limit", "peak_mb": "peak RSS (MB)"}  # fmt: skip
    path = report("generators", "Generators, one image, CPU, eval mode", rows, columns)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
