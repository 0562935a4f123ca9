"""bf16 training judged by its loss curve: pix2pix and SPADE (the quick presets, on the synthetic
scenes) trained the same number of iterations from the same seed in fp32 and with bf16 autocast
(``train.precision=bf16``, opt-in). Each loss is averaged over windows of iterations; the table
gives the last window's mean in each precision and the largest gap between the two curves over
all windows, relative to the fp32 loss's spread over the run. Beside it is the same gap between
fp32 and fp32 from another seed: GAN losses wander with any change of the numbers, so bf16
follows fp32 where its gap is no larger than another seed's."""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from common import report, run_case

import zoo
from zoo.trainer.monitor import read_metrics

FAMILIES = {"pix2pix": "pix2pix", "SPADE": "spade"}
WINDOW = 25
"""Iterations a point of a curve averages."""


SEEDS = {"fp32": 0, "bf16": 0, "fp32 seed 1": 1}
"""Each run's precision and seed."""


def run(family: str, variant: str, iterations: int) -> dict:
    """The loss curves (one mean a window) of ``iterations`` iterations of ``variant``."""
    precision = variant.split()[0]
    overrides = [f"train.precision={precision}", f"train.seed={SEEDS[variant]}", f"train.max_iterations={iterations}",
                 "train.log_every=1", "train.progress=false", "train.tensorboard=false", "train.device=cpu",
                 "train.sample_every=100000", "train.checkpoint_every=100000"]  # fmt: skip
    config = zoo.make_config(FAMILIES[family], preset="quick", overrides=overrides)
    with tempfile.TemporaryDirectory() as folder:
        metrics = read_metrics(zoo.train(config, out=folder))
    curves: dict[str, list[float]] = {}
    for start in range(0, len(metrics) - WINDOW + 1, WINDOW):
        for name in metrics[start]["losses"]:
            window = [m["losses"][name] for m in metrics[start : start + WINDOW]]
            curves.setdefault(name, []).append(statistics.fmean(window))
    return {"family": family, "variant": variant, "iterations": iterations, "curves": curves}


def gap(ours: list[float], theirs: list[float]) -> float:
    """The largest difference of two curves, over the spread (max - min) of the first."""
    return max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) / (max(ours) - min(ours) or 1.0)


def compare(fp32: dict, bf16: dict, other_seed: dict) -> list[dict]:
    """A row a loss: the last window of fp32 and bf16, and each gap to fp32's curve."""
    rows = []
    for name, ours in fp32["curves"].items():
        theirs = bf16["curves"][name]
        rows.append({"family": fp32["family"], "loss": name, "fp32_last": ours[-1], "bf16_last": theirs[-1],
                     "bf16_gap": gap(ours, theirs), "seed_gap": gap(ours, other_seed["curves"][name])})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="FAMILY/PRECISION")
    parser.add_argument("--iterations", type=int, default=500)
    args = parser.parse_args()
    if args.case:
        family, variant = args.case.split("/")
        print(json.dumps(run(family, variant, args.iterations)))
        return
    runs = {(f, v): run_case(Path(__file__), f"{f}/{v}") for f in FAMILIES for v in SEEDS}
    rows = [row for f in FAMILIES for row in compare(*(runs[f, v] for v in SEEDS))]
    columns = {"family": "family", "loss": "loss", "fp32_last": "fp32, last window", "bf16_last": "bf16, last window",
               "bf16_gap": "bf16's gap / fp32 spread", "seed_gap": "another seed's gap / fp32 spread"}  # fmt: skip
    curves = {f"{f} {v}": r["curves"] for (f, v), r in runs.items()}
    path = report("precision", f"bf16 against fp32 training, windows of {WINDOW} iterations", rows, columns,
                  extra={"window": WINDOW, "curves": curves})  # fmt: skip
    print(f"written to {path}")


if __name__ == "__main__":
    main()
