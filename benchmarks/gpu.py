"""The GPU side of ``benchmarks/gpu.sh``: the CUDA-only tests, then each family's generator at its
reference size in eager fp32, fp16 and ``torch.compile`` (latency, batch 1), and one training step
a family, each part skipped (and saying why) when CUDA, TensorRT or the time budget is missing.
Every part writes its JSON under ``--out`` as soon as it is done, so a run cut short keeps what
it measured. ``--device cpu --tiny`` runs the same code on small sizes, to test it without a GPU."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import torch
from common import machine, train_stamped

ROOT = Path(__file__).resolve().parents[1]
TRAINING = {  # arch, overrides: the paper's networks on the embedded scenes (square, at about its size)
    "pix2pix": ("pix2pix", ["data.size=256"]),
    "pix2pixHD": ("pix2pixhd", ["data.size=512", "loss.vgg.weight=0"]),
    "SPADE": ("spade", ["data.size=256", "G.crop_size=256", "loss.vgg.weight=0"]),
    "SinGAN": ("singan", []),
}
TINY = {  # the same code at test sizes
    "pix2pix": ("pix2pix", ["G.name=unet", "G.num_downs=5", "G.ngf=8", "D.ndf=8", "data.size=32"]),
    "SPADE": ("spade", ["G.ngf=4", "G.crop_size=64", "D.ndf=8", "loss.vgg.weight=0", "data.size=64"]),
}


class Budget:
    """Seconds left of the run; a part that would start after they ran out is skipped."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def write(out: Path, name: str, record: dict) -> None:
    """``record`` as ``out/name.json``, written to a temporary file first."""
    path = out / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"machine": machine(), **record}, indent=2))
    tmp.replace(path)


def run_tests(out: Path, budget: Budget) -> dict:
    """The CUDA-only tests (and TensorRT's where it is installed), their output kept in a log."""
    files = ["tests/test_cuda.py", *(["tests/test_tensorrt.py"] if find_spec("tensorrt") else [])]
    timeout = max(30, min(240, budget.left() / 2))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        (out / "tests.log").write_text((error.stdout or b"").decode() if isinstance(error.stdout, bytes) else "")
        return {"status": "timed out", "seconds": timeout, "files": files}
    (out / "tests.log").write_text(done.stdout + done.stderr)
    summary = (done.stdout.strip().splitlines() or [""])[-1]
    tensorrt = None if find_spec("tensorrt") else "tensorrt is not installed: its tests did not run"
    return {"status": "passed" if done.returncode == 0 else "failed", "summary": summary, "files": files,
            "tensorrt": tensorrt}  # fmt: skip


def latency(fn, device: torch.device, repeats: int = 10, warmup: int = 3) -> float:
    """Median milliseconds of ``fn`` on ``device`` (synchronized on CUDA)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)[len(times) // 2]


def each(cases: list[str], measure, budget: Budget, out: Path, part: str) -> list[dict]:
    """``measure(case)`` for each case while the budget lasts; a failing case is a row saying
    why, and the rows so far are written after every case (a run killed later keeps them)."""
    rows = []
    for case in cases:
        if budget.left() < 60:
            row = {"status": "skipped: out of time"}
        else:
            try:
                row = {**measure(case), "status": "ok"}
            except Exception as error:  # one family failing must not lose the others
                row = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
        rows.append({"case": case, **row})
        write(out, part, {"result": rows, "complete": False})
    return rows


def inference(device: torch.device, tiny: bool, budget: Budget, out: Path) -> list[dict]:
    """Each family's generator: eager fp32, fp16 (CUDA) and torch.compile (CUDA), with the error
    of each against eager fp32."""
    from export import CASES, build, random_pipeline

    def one(case: str) -> dict:
        if tiny:
            spec, size = random_pipeline(TINY[case][0], overrides=TINY[case][1]).graph_spec(), (64, 64)
        else:
            spec, size = build(case).graph_spec(), CASES[case][2]
        module = spec.module.to(device).eval()
        return {
            "size": list(size),
            **generator_row(module, [x.to(device) for x in spec.example(1, size, seed=0)], device),
        }

    return each(list(TINY if tiny else CASES), one, budget, out, "inference")


def generator_row(module: torch.nn.Module, inputs: list[torch.Tensor], device: torch.device) -> dict:
    """Latencies of one generator: eager fp32, fp16 autocast and torch.compile (CUDA only)."""
    with torch.inference_mode():
        reference = module(*inputs).float()
        row = {"fp32_ms": latency(lambda: module(*inputs), device)}
        if device.type != "cuda":
            return row | {"fp16": "CUDA only", "compiled": "CUDA only here (inductor on a CPU takes minutes)"}
        with torch.autocast("cuda", dtype=torch.float16):
            row["fp16_ms"] = latency(lambda: module(*inputs), device)
            row["fp16_max_abs_error"] = float((module(*inputs).float() - reference).abs().max())
    compiled = torch.compile(module)
    with torch.inference_mode():
        start = time.perf_counter()
        compiled(*inputs)
        row["compile_s"] = time.perf_counter() - start
        row["compiled_ms"] = latency(lambda: compiled(*inputs), device)
        row["compiled_max_abs_error"] = float((compiled(*inputs).float() - reference).abs().max())
    return row


def training(device: torch.device, tiny: bool, budget: Budget, out: Path) -> list[dict]:
    """Median seconds of a training iteration a family, timed inside one run (the trainer's own
    per-iteration clock), so start-up does not count."""
    import zoo

    def one(name: str) -> dict:
        arch, overrides = (TINY if tiny else TRAINING)[name]
        quiet = ["train.progress=false", "train.tensorboard=false", "train.sample_every=100000",
                 "train.checkpoint_every=100000", f"train.device={device.type}"]  # fmt: skip
        length = ["schedule.iterations=3", "schedule.decay_at=3"] if arch == "singan" else ["train.max_iterations=6"]
        config = zoo.make_config(arch, overrides=[*overrides, *quiet, *length])
        stamps = train_stamped(config)
        gaps = sorted(b - a for a, b in itertools.pairwise(stamps[1:]))  # the first gap is warm-up
        note = "median over every scale's iterations" if arch == "singan" else None
        return {"iteration_s": gaps[len(gaps) // 2], "iterations": len(stamps), "note": note}

    return each(list(TINY if tiny else TRAINING), one, budget, out, "training")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the JSON files and logs")
    parser.add_argument("--budget", type=float, default=450, help="seconds for everything")
    parser.add_argument("--device", default="cuda", help="cuda (default), or cpu with --tiny to test this script")
    parser.add_argument("--tiny", action="store_true", help="test sizes instead of the reference sizes")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    budget = Budget(args.budget)
    if args.device == "cuda" and not torch.cuda.is_available():
        reason = "no CUDA device: nothing measured (run with --device cpu --tiny to test the script)"
        write(args.out, "gpu", {"status": "skipped", "reason": reason})
        print(reason)
        return 0
    device = torch.device(args.device)
    parts = {"tests": lambda: run_tests(args.out, budget)} if device.type == "cuda" else {}
    parts |= {"inference": lambda: inference(device, args.tiny, budget, args.out),
              "training": lambda: training(device, args.tiny, budget, args.out)}  # fmt: skip
    summary = {}
    for name, part in parts.items():
        start = time.perf_counter()
        try:
            result = part()
            failed = (
                [r for r in result if isinstance(r, dict) and r.get("status") == "failed"]
                if isinstance(result, list)
                else []
            )
            summary[name] = "ok" if not failed else f"{len(failed)} case(s) failed"
        except Exception as error:  # one part failing must not lose the others' numbers
            result = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            summary[name] = result["error"]
        write(args.out, name, {"seconds": time.perf_counter() - start, "result": result, "complete": True})
        print(f"{name}: {summary[name]} ({time.perf_counter() - start:.0f} s)", flush=True)
    write(args.out, "gpu", {"status": "done", "parts": summary, "device": str(device),
                            "name": torch.cuda.get_device_name() if device.type == "cuda" else "cpu",
                            "threads": os.environ.get("OMP_NUM_THREADS")})  # fmt: skip
    return 0 if all(v == "ok" for v in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
