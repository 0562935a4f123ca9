"""SinGAN on this machine: a full default training (every scale, the official networks and
steps) at reduced iterations per scale, extrapolated to the official 2000, and sampling time.
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
CASES = ["balloons.png"]


def image_path(name: str) -> Path:
    return SHARED / name if (SHARED / name).is_file() else DEFAULT


def run(case: str, iterations: int) -> dict:
    overrides = [
        f"data.path={image_path(case)}",
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
        "case": f"{image_path(case).name} {width}x{height}",
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
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--iterations", type=int, default=10, help="per scale (the official count: 2000)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run(args.case, args.iterations)))
        return
    rows = [run_case(Path(__file__), case) for case in CASES]
    columns = {
        "case": "image",
        "scales": "scales",
        "iterations": "iterations / scale",
        "train_s": "training (s)",
        "full_train_h": "at 2000 / scale (h, est.)",
        "sample_s": "sample (s)",
        "sample_wide_s": "1.5x wide sample (s)",
        "peak_mb": "peak RSS (MB)",
    }
    path = report("singan", "SinGAN, default configuration, CPU", rows, columns)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
