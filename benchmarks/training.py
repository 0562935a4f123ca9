"""Training steps of pix2pix, pix2pixHD (global generator, feature matching and VGG) and SPADE
(hinge, feature matching, VGG) with their official networks, losses and optimizers, on the
synthetic 256x256 scenes at batch 1 (the papers train pix2pixHD at 1024x512 and SPADE at 512x256
on Cityscapes: fewer pixels here, the same step). It shows where a step spends its time
(torch.profiler, one iteration) and how long an iteration takes with each opt-in speed-up
against the default. The default is the official step plus zoo's check that the gradients are
finite (a norm over them, about 2.5% of a pix2pix step), so its time stands for the official
code's here. Every case runs in a process of its own, the variants of a family one after the
other, so their ratios are comparable.

The VGG loss needs ImageNet VGG19 weights; the speed does not depend on their values, so this
script writes timm's VGG19 with random weights to a temporary file and points the loss at it."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import tempfile
from pathlib import Path

import torch
from common import IterationFlops, fraction_of_limit, peak_memory_mb, report, run_case, train_stamped

import zoo

FAMILIES = {"pix2pix": "pix2pix", "pix2pixHD global + VGG": "pix2pixhd", "SPADE + VGG": "spade"}
FUSED = ["optim.G.fused=true", "optim.D.fused=true"]
VARIANTS = {  # each changes the numbers, so each is opt-in
    "default (official step)": [],
    "fused Adam": FUSED,
    "channels_last": ["train.channels_last=true"],
    "bf16 autocast": ["train.precision=bf16"],
    "bf16 + channels_last + fused Adam": ["train.precision=bf16", "train.channels_last=true", *FUSED],
}
OPERATORS = {  # operator name prefix -> what it is (its own time)
    "aten::convolution_backward": "convolution backward",
    "aten::mkldnn_convolution": "convolution forward",
    "aten::_slow_conv2d": "convolution forward",
    "aten::_convolution": "convolution forward",  # its own time: the transposed convolutions
    "aten::native_batch_norm": "normalization",
}
SCOPES = {  # record_function scope prefix -> what it is (everything under it)
    "Optimizer.step#": "optimizer",
    "enumerate(DataLoader)": "data loading",
}


def run(family: str, variant: str, steps: int, warmup: int, profile: bool) -> dict:
    """Train ``warmup + steps`` iterations and time the last ``steps`` (their median), then
    (``profile``) one more under the profiler, then one whose FLOPs are counted."""
    timed_end = warmup + steps + 1  # the iteration whose end closes the last timed interval
    profiler = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) if profile else None
    flops = IterationFlops(after=timed_end + (1 if profile else 0))

    peak: list[float] = []

    def on_iteration(done: int) -> None:
        if done == timed_end:
            peak.append(peak_memory_mb())  # before the profiler adds its own
        if profiler is not None and done in (timed_end, timed_end + 1):
            (profiler.start if done == timed_end else profiler.stop)()
        flops(done)

    iterations = flops.after + 1
    overrides = [*VARIANTS[variant], f"train.max_iterations={iterations}", "train.progress=false",
                 "train.tensorboard=false", "train.device=cpu", "train.sample_every=100000",
                 "train.checkpoint_every=100000", "train.final=weights"]  # fmt: skip
    stamps = train_stamped(zoo.make_config(FAMILIES[family], overrides=overrides), on_iteration)
    timed = stamps[warmup:timed_end]
    times = [b - a for a, b in itertools.pairwise(timed)]
    step_s = statistics.median(times)
    precision = "bf16" if "train.precision=bf16" in VARIANTS[variant] else "fp32"
    row = {"family": family, "variant": variant, "step_s": step_s, "times_s": times, "peak_mb": peak[0],
           "gflop": flops.gflop, "fraction_of_limit": fraction_of_limit(flops.gflop, step_s, precision)}  # fmt: skip
    if profiler is not None:
        row["profile"] = breakdown(profiler)
    return row


def breakdown(profiler: torch.profiler.profile) -> dict:
    """One iteration's CPU time by what it is spent on (the optimizer's and the data loader's
    scopes whole, convolutions and normalization by their operators' own time, the rest as
    other), and its ten costliest operators."""
    events = profiler.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    shares = {name: 0.0 for name in [*SCOPES.values(), *OPERATORS.values(), "other"]}
    for event in events:
        scope = next((c for prefix, c in SCOPES.items() if event.key.startswith(prefix)), None)
        if scope is not None:
            shares[scope] += event.cpu_time_total / total
    for event in events:
        category = next((c for prefix, c in OPERATORS.items() if event.key.startswith(prefix)), None)
        if category is not None:
            shares[category] += event.self_cpu_time_total / total
    shares["other"] = max(0.0, 1 - sum(shares.values()))
    top = sorted((e for e in events if e.self_cpu_time_total > 0), key=lambda e: -e.self_cpu_time_total)[:10]
    return {"shares": shares, "top": {e.key: e.self_cpu_time_total / total for e in top}}


def random_vgg() -> str:
    """A VGG19 state dict with random weights, in timm's format, for the VGG loss."""
    import timm

    path = Path(tempfile.gettempdir()) / "zoo-benchmark-vgg19-random.pth"
    if not path.is_file():
        torch.save(timm.create_model("vgg19").state_dict(), path)
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", help="FAMILY/VARIANT")
    parser.add_argument("--steps", type=int, default=6, help="timed iterations")
    parser.add_argument("--warmup", type=int, default=2, help="iterations before them")
    args = parser.parse_args()
    os.environ.setdefault("ZOO_VGG19_WEIGHTS", random_vgg())
    if args.case:
        family, variant = args.case.split("/")
        row = run(family, variant, args.steps, args.warmup, profile=variant == next(iter(VARIANTS)))
        print(json.dumps(row))
        return
    rows = []
    for family in FAMILIES:
        family_rows = [run_case(Path(__file__), f"{family}/{variant}") for variant in VARIANTS]
        for row in family_rows:
            row["vs_default"] = row["step_s"] / family_rows[0]["step_s"]
        rows += family_rows
    columns = {"family": "family", "variant": "variant", "step_s": "s / iteration", "vs_default": "x default",
               "gflop": "GFLOP / iteration", "fraction_of_limit": "of limit", "peak_mb": "peak MB"}  # fmt: skip
    path = report("training", "Training iterations, batch 1, 256x256, CPU", rows, columns)
    for row in rows:
        if "profile" in row:
            ranked = sorted(row["profile"]["shares"].items(), key=lambda kv: -kv[1])
            shares = ", ".join(f"{k} {v:.0%}" for k, v in ranked)
            print(f"{row['family']}: {shares}")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
