"""Forward time and peak memory of pix2pixHD's generators at their reference sizes on this
machine: the global generator at 1024x512 and the local enhancer at 2048x1024 (Cityscapes,
35 classes + instance edges = 36 input channels)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from common import peak_memory_mb, report, run_case, timed

import zoo

CASES = {
    "global 1024x512": ("pix2pixhd_global", (512, 1024)),
    "local 2048x1024": ("pix2pixhd_local", (1024, 2048)),
}


def run(case: str, repeats: int) -> dict:
    name, (height, width) = CASES[case]
    generator = zoo.create_model(name).eval()
    x = torch.randn(1, 36, height, width)
    baseline = peak_memory_mb()
    with torch.inference_mode():
        result = timed(lambda: generator(x), repeats=repeats, warmup=1)
    params = sum(p.numel() for p in generator.parameters())
    return {"case": case, "params_m": params / 1e6, **result, "peak_mb": peak_memory_mb(), "model_mb": baseline}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run(args.case, args.repeats)))
        return
    rows = [run_case(Path(__file__), case) for case in CASES]
    path = report(
        "pix2pixhd_generators",
        "pix2pixHD generators, one image, CPU",
        rows,
        {"case": "case", "params_m": "params (M)", "median_s": "forward (s)", "peak_mb": "peak RSS (MB)"},
    )
    print(f"written to {path}")


if __name__ == "__main__":
    main()
