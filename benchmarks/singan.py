"""SinGAN on this machine: a full default training (every scale, the official networks and
steps) at reduced iterations per scale, projected to the official 2000, and sampling time; once
drawing the frozen scales step by step (the default, ``model.batched_pyramid=false``), once in one
batched pass an iteration (opt-in: other random numbers), and with bf16 autocast, alone and with
channels-last (opt-in, ``train.precision=bf16``, ``train.channels_last=true``: other numerics),
in one run, so their ratios are comparable.

The projection takes each scale's steady iteration time (the median of its iterations but the
first, which also builds the scale) times 2000, plus each scale's start-up once. The finest
scale's FLOPs are counted on its last iteration (not timed), for the fraction of this machine's
measured limit (``benchmarks/limit.py``) that its iterations reach.
The image is one of the paper's from ``../shared/data/singan/Images`` when that folder exists,
else the embedded default (the same balloons)."""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

from common import IterationFlops, fraction_of_limit, peak_memory_mb, report, run_case, timed, train_stamped

import zoo
from zoo.plugins.datasets.single_image import DEFAULT

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "singan" / "Images"
CASES = {  # image, frozen scales batched, training precision, channels-last
    "balloons.png step by step": ("balloons.png", False, "fp32", False),
    "balloons.png batched": ("balloons.png", True, "fp32", False),
    "balloons.png batched bf16": ("balloons.png", True, "bf16", False),  # opt-in: other numerics
    "balloons.png batched bf16 channels_last": ("balloons.png", True, "bf16", True),
}
OFFICIAL_ITERATIONS = 2000


def image_path(name: str) -> Path:
    return SHARED / name if (SHARED / name).is_file() else DEFAULT


def run(case: str, iterations: int) -> dict:
    image, batched, precision, channels_last = CASES[case]
    overrides = [
        f"data.path={image_path(image)}",
        f"model.batched_pyramid={str(batched).lower()}",
        f"train.precision={precision}",
        f"train.channels_last={str(channels_last).lower()}",
        f"schedule.iterations={iterations}",
        f"schedule.decay_at={iterations * 4 // 5}",
        "train.progress=false",
        "train.tensorboard=false",
        "train.device=cpu",
    ]
    config = zoo.make_config("singan", overrides=overrides)
    scales = config.nets["D"].options["num_scales"]
    flops = IterationFlops(after=scales * iterations - 1)  # the finest scale's last iteration
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()  # the first interval: start-up and scale 0's first iteration
        stamps = [start, *train_stamped(config, flops, out=folder)]
        pipe = zoo.load(folder, device="cpu")
    # each scale's stamps: the end of the iteration before it, then the ends of its own
    per_scale = [stamps[i * iterations : (i + 1) * iterations + 1] for i in range(scales)]
    per_scale[-1] = per_scale[-1][:-1]  # the finest scale's last iteration ran under the FLOP counter
    steady = [statistics.median(b - a for a, b in itertools.pairwise(s[1:])) for s in per_scale]
    startup = [(s[1] - s[0]) - t for s, t in zip(per_scale, steady, strict=True)]
    full_s = sum(OFFICIAL_ITERATIONS * t + up for t, up in zip(steady, startup, strict=True))
    height, width = pipe.size
    return {
        "case": f"{image_path(image).name} {width}x{height}",
        "frozen_scales": "batched" if batched else "step by step",
        "precision": precision,
        "channels_last": channels_last,
        "scales": scales,
        "iterations": iterations,
        "train_s": stamps[-1] - stamps[0],
        "steady_iteration_s": steady,
        "full_train_h": full_s / 3600,
        "finest_iteration_s": steady[-1],
        "finest_iteration_gflop": flops.gflop,
        "finest_fraction_of_limit": fraction_of_limit(flops.gflop, steady[-1], precision),
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
        row["vs_step_by_step"] = row["full_train_h"] / rows[0]["full_train_h"]
    columns = {
        "case": "image",
        "frozen_scales": "frozen scales drawn",
        "precision": "precision",
        "scales": "scales",
        "iterations": "iterations / scale",
        "channels_last": "channels_last",
        "train_s": "training (s)",
        "full_train_h": "at 2000 / scale (h, est.)",
        "finest_iteration_s": "finest scale (s / iteration)",
        "finest_fraction_of_limit": "finest: fraction of limit",
        "vs_step_by_step": "projection vs step by step",
        "sample_s": "sample (s)",
        "sample_wide_s": "1.5x wide sample (s)",
        "peak_mb": "peak RSS (MB)",
    }
    path = report("singan", "SinGAN, default configuration, CPU", rows, columns)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
