"""Import an official SinGAN model: the per-scale ``<scale>/netG.pth`` state dicts (or, behind
``--allow-pickle``, the pickled ``Gs.pth``), with the noise amplitudes (``NoiseAmp.pth``, or a
JSON list of numbers) and z* (``0/z_opt.pth`` or ``Zs.pth``). The official files do not record
the training image's size, from which the scales follow: the user gives it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from zoo.convert import Conversion, read_torch_file, state_dict_of
from zoo.errors import CheckpointError

PAD = 5
"""The padding, (kernel - 1) x layers / 2, around the official models' saved noise maps (their
defaults: 3 x 3 kernels, 5 layers)."""
IGNORED = {"netD.pth": "the critics are not needed to sample", "reals.pth": "the image pyramid is recomputed"}


def import_official(files: list[Path], allow_pickle: bool = False) -> Conversion:
    scales: dict[int, dict[str, torch.Tensor]] = {}
    extra: dict[str, torch.Tensor] = {}
    ignored = []
    for path in files:
        if path.name == "netG.pth":
            scales[_scale_of(path)] = state_dict_of(read_torch_file(path, allow_pickle), path)
        elif path.name == "Gs.pth":
            scales |= dict(enumerate(_pickled_generators(path, allow_pickle)))
        elif path.name in ("NoiseAmp.pth",) or path.suffix == ".json":
            extra["noise_amps"] = _amplitudes(path, allow_pickle)
        elif path.name == "Zs.pth":
            extra["z_star"] = _unpadded(_first(read_torch_file(path, allow_pickle), path))
        elif path.name == "z_opt.pth":
            if _scale_of(path) == 0:
                extra["z_star"] = _unpadded(read_torch_file(path, allow_pickle))
            else:
                ignored.append(f"{path}: zero above the coarsest scale")
        elif path.name in IGNORED:
            ignored.append(f"{path}: {IGNORED[path.name]}")
        else:
            raise CheckpointError(f"{path}: not a SinGAN file (netG.pth, Gs.pth, NoiseAmp.pth, Zs.pth, z_opt.pth)")
    if sorted(scales) != list(range(len(scales))) or not scales:
        raise CheckpointError(
            f"SinGAN needs the generators of every scale from 0, in folders named by scale (0/netG.pth, "
            f"1/netG.pth, ...) or as Gs.pth; got scales {sorted(scales)}"
        )
    state = {f"G.scales.{i}.{k}": v for i, s in scales.items() for k, v in s.items()}
    if "noise_amps" not in extra:
        raise CheckpointError("give the noise amplitudes: the official NoiseAmp.pth, or a JSON list of numbers")
    if len(extra["noise_amps"]) != len(scales):
        raise CheckpointError(f"{len(extra['noise_amps'])} noise amplitudes for {len(scales)} scales")
    if "z_star" not in extra:
        raise CheckpointError("give z*, the reconstruction noise: the official 0/z_opt.pth or Zs.pth")
    config = {"G": _widths(scales[0], [s["head.conv.weight"].shape[0] for s in scales.values()])}
    return Conversion(
        config,
        state | {f"G.{k}": v for k, v in extra.items()},
        ignored=ignored,
        required={"G.image_size": "the original training image's [height, width]: the scales follow from it"},
    )


def _widths(coarsest: dict[str, torch.Tensor], heads: list[int]) -> dict[str, int]:
    """``nfc``, ``min_nfc`` (the narrowest body block), ``max_nfc``, layers and kernel from the shapes."""
    blocks = sorted(k for k in coarsest if k.startswith("body.") and k.endswith(".conv.weight"))
    return {
        "nfc": heads[0],
        "min_nfc": coarsest[blocks[-1]].shape[0],
        "max_nfc": max(heads),
        "num_layer": len(blocks) + 2,
        "kernel_size": coarsest["head.conv.weight"].shape[-1],
    }


def _scale_of(path: Path) -> int:
    if not path.parent.name.isdigit():
        raise CheckpointError(f"{path}: expected in a folder named by its scale (0, 1, ...), as SinGAN saves it")
    return int(path.parent.name)


def _pickled_generators(path: Path, allow_pickle: bool) -> list[dict[str, torch.Tensor]]:
    """The official list of whole generator modules; unpickling runs code, and needs the
    official SinGAN package importable."""
    if not allow_pickle:
        raise CheckpointError(
            f"{path} pickles whole modules: reading it executes code in it. If you trust its source, pass "
            f"--allow-pickle (with the official SinGAN code importable), or give the per-scale netG.pth files"
        )
    modules = read_torch_file(path, allow_pickle)
    if not isinstance(modules, (list, tuple)) or not all(isinstance(m, torch.nn.Module) for m in modules):
        raise CheckpointError(f"{path}: expected a list of generator modules, got {type(modules).__name__}")
    return [{k: v.detach().clone() for k, v in m.state_dict().items()} for m in modules]


def _amplitudes(path: Path, allow_pickle: bool) -> torch.Tensor:
    if path.suffix == ".json":
        try:
            values: Any = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read {path}: {exc}") from None
    else:
        values = read_torch_file(path, allow_pickle)
    try:
        return torch.tensor([float(v) for v in values], dtype=torch.float32)
    except (TypeError, ValueError):
        raise CheckpointError(f"{path}: expected a list of numbers, one per scale") from None


def _first(value: Any, path: Path) -> torch.Tensor:
    if not isinstance(value, (list, tuple)) or not value or not isinstance(value[0], torch.Tensor):
        raise CheckpointError(f"{path}: expected a list of noise tensors, one per scale")
    return value[0]


def _unpadded(z: Any) -> torch.Tensor:
    if not isinstance(z, torch.Tensor) or z.ndim != 4:
        raise CheckpointError(f"expected a (1, 3, H, W) noise tensor, got {type(z).__name__}")
    return z[..., PAD:-PAD, PAD:-PAD].expand(1, 3, -1, -1).contiguous()
