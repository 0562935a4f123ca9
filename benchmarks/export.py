"""Deployment backends of each family's generator at its reference resolution (zoo bench): pix2pix
U-Net 256 at 256x256, pix2pixHD's Cityscapes global generator at 1024x512, SPADE's Cityscapes
generator at 512x256 ('more'), and SinGAN on its default 248x186 image (250 px), batch 1, with
random weights (speed does not depend on them; batch-norm statistics are measured: see settle),
torch.compile included.
int8 calibrates on the model's data set, so it is skipped where that is not on disk (the
Cityscapes models here)."""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import torch
from common import fraction_of_limit, generator_gflop, report, run_case
from torch import nn

import zoo
from zoo.exporting.bench import bench
from zoo.exporting.prepare import for_export
from zoo.saved import assemble

CASES: dict[str, tuple[str, str | None, tuple[int, int]]] = {  # arch, data set, size (H, W)
    "pix2pix U-Net 256 256x256": ("pix2pix", None, (256, 256)),
    "pix2pixHD global 1024x512": ("pix2pixhd", "cityscapes", (512, 1024)),
    "SPADE Cityscapes 512x256": ("spade", "cityscapes", (256, 512)),
    "SinGAN 248x186": ("singan", None, (186, 248)),
}


def random_pipeline(arch: str, data: str | None = None, overrides: list[str] | None = None) -> zoo.Pipeline:
    """``arch``'s inference pipeline with random weights (speed does not depend on them)."""
    registry = zoo.get_registry()
    config = zoo.make_config(arch, data=data, overrides=overrides or [])
    arch_cls = registry.get("architecture", arch).obj
    state = arch_cls.build_nets(config, registry, arch_cls.inference_networks(config)).state_dict()
    return assemble(config, state, "random weights", registry, device="cpu")


def build(case: str) -> zoo.Pipeline:
    """The case's pipeline at the paper's configuration, batch norm settled."""
    arch, data, size = CASES[case]
    pipeline = random_pipeline(arch, data)
    settle(pipeline, size)
    return pipeline


def fp64_error(pipeline: zoo.Pipeline, size: tuple[int, int]) -> float:
    """The largest error of eager fp32 itself against the same generator in fp64, on the inputs
    verification draws: what fp32 rounding alone amounts to through this network. Where it is
    near the 1e-3 an fp32 export must keep, no fp32 runtime that sums in another order can."""
    spec = pipeline.graph_spec()
    module = for_export(spec.module)
    inputs = spec.example(2, size, seed=1)
    with torch.inference_mode():
        fp32 = module(*inputs).double()
        fp64 = copy.deepcopy(module).double()(*(x.double() for x in inputs))
    return float((fp32 - fp64).abs().max())


def run(case: str, repeats: int, warmup: int) -> list[dict]:
    size, gflop = CASES[case][2], generator_gflop(case)
    pipeline = build(case)
    rows = bench(pipeline, zoo.get_registry(), size=size, repeats=repeats, warmup=warmup, compile=True)
    if any(row["status"] == "failed" and "fp32" in row["backend"] for row in rows):  # explain why
        rows[0]["fp64_error"] = fp64_error(pipeline, size)  # (fp64 convolutions take 25 GB for pix2pixHD)
    for row in rows:
        precision = next((p for p in ("fp16", "bf16", "int8") if p in row["backend"]), "fp32")
        seconds = row["latency_ms"] / 1000 if row.get("latency_ms") else 0
        row["gflops"] = gflop / seconds if gflop and seconds else None
        row["fraction"] = fraction_of_limit(gflop, seconds, precision)
    return [{"case": case, **row} for row in rows]


def settle(pipeline: zoo.Pipeline, size: tuple[int, int]) -> None:
    """Batch-norm running statistics measured on one random batch, as training measures them.
    A fresh batch norm's (mean 0, variance 1) let activations grow layer by layer (SPADE's reach
    1e25 and saturate every output pixel), which makes the error column meaningless."""
    spec = pipeline.graph_spec()
    for norm in spec.module.modules():
        if isinstance(norm, nn.modules.batchnorm._BatchNorm):
            norm.reset_running_stats()
            norm.momentum = None  # a plain average: this batch's statistics
    with torch.no_grad():
        spec.module.train()(*spec.example(2, size, seed=1))
    spec.module.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=list(CASES))
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of one --case (all cases: 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them (all cases: 1)")
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run(args.case, args.repeats, args.warmup)))
        return
    rows = [row for case in CASES for row in run_case(Path(__file__), case)]
    for row in rows:  # one column for the table, with the reason's first clause (all of it is in the JSON)
        row["result"] = row["status"] if row["reason"] is None else f"{row['status']}: {row['reason'].split(':')[0]}"
    columns = {"case": "case", "backend": "backend", "latency_ms": "latency (ms)", "throughput": "images/s",
               "speedup": "speed-up", "gflops": "GFLOP/s", "fraction": "fraction of the limit",
               "max_abs_error": "max |err|", "psnr": "PSNR (dB)", "result": "status"}  # fmt: skip
    path = report("export", "Generators on each backend, batch 1, CPU (zoo bench)", rows, columns)
    for row in rows:
        if "fp64_error" in row:
            print(f"{row['case']}: eager fp32 is {row['fp64_error']:.1e} from fp64 (fp32 rounding through the network)")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
