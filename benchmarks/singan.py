"""SinGAN on this machine: a full default training (every scale, the official networks and
steps) at reduced iterations per scale, extrapolated to the official 2000, and sampling time;
once drawing the frozen scales step by step (the default, ``model.batched_pyramid=false``), once
in one batched pass an iteration (opt-in: other random numbers), and once more with bf16
autocast (opt-in, ``train.precision=bf16``: other numerics), in one run, so their ratios are
comparable.
The image is one of the paper's from ``../shared/data/singan/Images`` when that folder exists,
else the embedded default (the same balloons)."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from common import peak_memory_mb, report, run_case, timed

import zoo
from zoo.plugins.datasets.single_image import DEFAULT

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "singan" / "Images"
CASES = {  # image, frozen scales batched, training precision
    "balloons.png step by step": ("balloons.png", False, "fp32"),
    "balloons.png batched": ("balloons.png", True, "fp32"),
    "balloons.png batched bf16": ("balloons.png", True, "bf16"),  # opt-in: other numerics
}


def image_path(name: str) -> Path:
    return SHARED / name if (SHARED / name).is_file() else DEFAULT


def run(case: str, iterations: int) -> dict:
    image, batched, precision = CASES[case]
    overrides = [
        f"data.path={image_path(image)}",
        f"model.batched_pyramid={str(batched).lower()}",
        f"train.precision={precision}",
        f"schedule.iterations={iterations}",
        f"schedule.decay_at={iterations * 4 // 5}",
        "train.progress=false",
        "train.tensorboard=false",
        "train.device=cpu",
    ]
    config = zoo.make_config("singan", overrides=overrides)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        zoo.train(config, out=folder)
        train_s = time.perf_counter() - start
        pipe = zoo.load(folder, device="cpu")
    scales = len(pipe.nets["G"])
    height, width = pipe.size
    return {
        "case": f"{image_path(image).name} {width}x{height}",
        "frozen_scales": "batched" if batched else "step by step",
        "precision": precision,
        "scales": scales,
        "iterations": iterations,
        "train_s": train_s,
        "full_train_h": train_s * 2000 / iterations / 3600,
        "sample_s": timed(lambda: pipe.sample(1, seed=0), repeats=5)["median_s"],
        "sample_wide_s": timed(lambda: pipe.sample(1, scale_w=1.5, seed=0), repeats=5)["median_s"],
        "peak_mb": peak_memory_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--iterations", type=int, default=10, help="per scale (the official count: 2000)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run(args.case, args.iterations)))
        return
    rows = [run_case(Path(__file__), case) for case in CASES]
    for row in rows:
        row["vs_step_by_step"] = row["train_s"] / rows[0]["train_s"]
    columns = {
        "case": "image",
        "frozen_scales": "frozen scales drawn",
        "precision": "precision",
        "scales": "scales",
        "iterations": "iterations / scale",
        "train_s": "training (s)",
        "full_train_h": "at 2000 / scale (h, est.)",
        "vs_step_by_step": "time vs step by step",
        "sample_s": "sample (s)",
        "sample_wide_s": "1.5x wide sample (s)",
        "peak_mb": "peak RSS (MB)",
    }
    path = report("singan", "SinGAN, default configuration, CPU", rows, columns)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
