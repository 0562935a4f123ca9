"""This machine's limit: the rates its CPU reaches on dense matrix multiplies and convolutions in
fp32 (and bf16 and int8 where its instruction set has them: AVX512-BF16/AMX, VNNI/AMX), and each
generator's FLOPs at its reference size (``torch.utils.flop_counter``). The other benchmarks
divide the rate they achieve by these ("fraction of the limit") and read them from
``results/limit.json``, which this script writes."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
import torch.nn.functional as F
from common import cpu_flags, report, run_case, timed
from torch.utils.flop_counter import FlopCounterMode

PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16}


def available() -> list[str]:
    """The precisions this CPU computes natively (fp32 always)."""
    flags = cpu_flags()
    found = ["fp32"]
    if {"avx512_bf16", "amx_bf16"} & flags:
        found.append("bf16")
    if {"avx512_vnni", "avx_vnni", "amx_int8"} & flags:
        found.append("int8")
    return found


def matmul_rate(precision: str, n: int = 2048) -> float:
    """GFLOP/s of an n x n by n x n product (2 n^3 operations)."""
    if precision == "int8":
        a = torch.randint(-128, 127, (n, n), dtype=torch.int8)
        seconds = timed(lambda: torch._int_mm(a, a), repeats=5, warmup=3)["median_s"]
    else:
        a = torch.randn(n, n, dtype=PRECISIONS[precision])
        seconds = timed(lambda: a @ a, repeats=5, warmup=3)["median_s"]
    return 2 * n**3 / seconds / 1e9


CONV_SHAPES = ((64, 256), (128, 128), (256, 64), (512, 32), (1024, 32))
"""(channels in and out, height = width) of the 3x3 convolutions timed: the generators' range."""


def conv_rate(precision: str) -> float | None:
    """The best GFLOP/s of a 3x3 convolution among :data:`CONV_SHAPES` (channels last, oneDNN's
    fastest layout here), as the generators' bulk is; none for int8 (PyTorch has no plain int8
    convolution to time). Three warm-up runs a shape: oneDNN builds its bf16 kernels on the first
    calls, and one warm-up measured bf16 at an eighth of its rate (326 GFLOP/s; 2712 in ``results/limit.json``)."""
    if precision == "int8":
        return None
    return max(_conv_rate(precision, channels, size) for channels, size in CONV_SHAPES)


def _conv_rate(precision: str, channels: int, size: int) -> float:
    x = torch.randn(1, channels, size, size, dtype=PRECISIONS[precision]).to(memory_format=torch.channels_last)
    w = torch.randn(channels, channels, 3, 3, dtype=PRECISIONS[precision]).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        seconds = timed(lambda: F.conv2d(x, w, padding=1), repeats=10, warmup=3)["median_s"]
    return 2 * channels * channels * 9 * size * size / seconds / 1e9


def generator_gflop() -> dict[str, float]:
    """Each generator's forward FLOPs (GFLOP) at its reference size, batch 1, as zoo bench runs it."""
    from export import CASES, build

    from zoo.exporting.prepare import for_export

    counted = {}
    for case in CASES:
        spec = build(case).graph_spec()
        inputs = spec.example(1, CASES[case][2], seed=0)
        module = for_export(spec.module)  # as zoo bench times it: eval mode, spectral norm folded
        with torch.inference_mode(), FlopCounterMode(display=False) as counter:
            module(*inputs)
        counted[case] = counter.get_total_flops() / 1e9
    return counted


def measure(precision: str) -> dict:
    return {"precision": precision, "matmul_gflops": matmul_rate(precision), "conv_gflops": conv_rate(precision)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=[*PRECISIONS, "int8", "flops"])
    args = parser.parse_args()
    if args.case == "flops":
        print(json.dumps(generator_gflop()))
        return
    if args.case:
        print(json.dumps(measure(args.case)))
        return
    rows = [run_case(Path(__file__), precision) for precision in available()]
    gflop = run_case(Path(__file__), "flops")
    path = report("limit", "This machine's rates (GFLOP/s, 1 process)", rows,
                  {"precision": "precision", "matmul_gflops": "matmul GFLOP/s", "conv_gflops": "3x3 conv GFLOP/s"},
                  extra={"generator_gflop": gflop})  # fmt: skip
    for case, value in gflop.items():
        print(f"{case}: {value:.1f} GFLOP a forward pass")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
