"""What starting zoo costs, against ``import torch``: ``import zoo``, ``zoo --help``, ``zoo list``
and ``zoo.load`` of a saved pix2pix model (the paper's unet_256), each in a fresh process, the
cases interleaved over several rounds so that a busy machine slows them all alike; medians and
ratios to ``import torch`` from the same run.

Targets (issue 11): ``zoo --help`` <= 1.0x and ``zoo list`` <= 1.3x ``import torch``.

    python benchmarks/startup.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import report

TARGETS = {"zoo --help": 1.0, "zoo list": 1.3}


def cases(model: Path) -> dict[str, list[str]]:
    zoo = [shutil.which("zoo") or sys.executable, *([] if shutil.which("zoo") else ["-m", "zoo"])]
    load = f"import zoo; zoo.load({str(model)!r}, device='cpu')"
    return {
        "import torch": [sys.executable, "-c", "import torch"],
        "import zoo": [sys.executable, "-c", "import zoo"],
        "zoo --help": [*zoo, "--help"],
        "zoo list": [*zoo, "list"],
        "zoo.load(saved pix2pix)": [sys.executable, "-c", load],
    }


def save_pix2pix(folder: Path) -> Path:
    """A saved pix2pix model at the paper's size (random weights: loading does not care)."""
    code = (
        "import sys, zoo; r = zoo.get_registry(); c = zoo.make_config('pix2pix');"
        "a = r.get('architecture', 'pix2pix').obj;"
        "a.pipeline(c, a.build_nets(c, r, ['G']), device='cpu').save_pretrained(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="rounds; each runs every case once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        commands = cases(save_pix2pix(Path(tmp) / "pix2pix"))
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeats):
            for name, command in commands.items():
                start = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True)
                times[name].append(time.perf_counter() - start)
    torch_s = statistics.median(times["import torch"])
    rows = []
    for name, measured in times.items():
        median = statistics.median(measured)
        target = TARGETS.get(name)
        ratio = median / torch_s
        verdict = "-" if target is None else ("met" if ratio <= target else "MISSED")
        rows.append({"command": name, "median_s": median, "times_s": measured, "x_import_torch": ratio,
                     "target": target, "verdict": verdict})  # fmt: skip
    title = f"startup, median of {args.repeats} interleaved rounds (load average {os.getloadavg()[0]:.2f})"
    columns = {"command": "command", "median_s": "median (s)", "x_import_torch": "x import torch",
               "target": "target", "verdict": "verdict"}  # fmt: skip
    report("startup", title, rows, columns)


if __name__ == "__main__":
    main()
