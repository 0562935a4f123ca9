"""`zoo convert` for official SinGAN models: per-scale netG.pth state dicts, noise amplitudes and z*;
the pickled Gs.pth only behind --allow-pickle."""

from __future__ import annotations

import json

import pytest
import torch
from helpers import state_from_reference

import zoo
from zoo.convert import convert
from zoo.plugins.singan.networks import ScaleNet

SIZE = "G.image_size=[30,40]"  # three scales: 25 x 34, 28 x 37, 30 x 40


@pytest.fixture
def official(tmp_path):
    """An official run folder: <scale>/netG.pth, netD.pth and z_opt.pth (padded by 5), NoiseAmp.pth."""
    for scale in range(3):
        folder = tmp_path / str(scale)
        folder.mkdir()
        torch.save(state_from_reference("keys_singan_G_nfc32.txt"), folder / "netG.pth")
        torch.save(state_from_reference("keys_singan_D_nfc32.txt"), folder / "netD.pth")
        height, width = [(25, 34), (28, 37), (30, 40)][scale]
        z = torch.randn(1, 1, height + 10, width + 10).expand(1, 3, -1, -1) if scale == 0 else None
        torch.save(z if z is not None else torch.zeros(1, 3, height + 10, width + 10), folder / "z_opt.pth")
    torch.save([torch.tensor(1.0), torch.tensor(0.12), torch.tensor(0.05)], tmp_path / "NoiseAmp.pth")
    return tmp_path


def files_of(folder):
    return [*sorted(folder.glob("*/*.pth")), folder / "NoiseAmp.pth"]


def test_per_scale_files_convert_completely_and_survive_a_round_trip(official, tmp_path):
    pipe, conversion = convert("singan", files_of(official), [SIZE])
    g = pipe.nets["G"]
    assert len(g) == 3 and g.noise_amps.tolist() == pytest.approx([1.0, 0.12, 0.05])
    z_opt = torch.load(official / "0" / "z_opt.pth")
    assert torch.equal(g.z_star, z_opt[..., 5:-5, 5:-5])
    for scale in range(3):
        theirs = torch.load(official / str(scale) / "netG.pth")
        ours = g.scales[scale].state_dict()
        assert ours.keys() == theirs.keys() and all(torch.equal(ours[k], theirs[k]) for k in ours)
    assert sum("netD.pth" in i for i in conversion.ignored) == 3
    before = pipe.sample(2, scale_w=1.5, seed=4, output_type="pt")
    pipe.save_pretrained(tmp_path / "model")
    again = zoo.load(tmp_path / "model")
    assert torch.equal(again.sample(2, scale_w=1.5, seed=4, output_type="pt"), before)
    assert again.provenance["source"] == "official singan checkpoint"


def test_what_the_files_do_not_tell_must_be_given(official, tmp_path):
    with pytest.raises(zoo.ZooError, match=r"--set G\.image_size=\.\.\. \(the original training image"):
        convert("singan", files_of(official))
    with pytest.raises(zoo.ZooError, match="does not fit the model"):  # a size with another number of scales
        convert("singan", files_of(official), ["G.image_size=[186,248]"])
    (tmp_path / "amps.json").write_text(json.dumps([1.0, 0.1]))
    netgs = sorted(official.glob("*/netG.pth"))
    with pytest.raises(zoo.ZooError, match="2 noise amplitudes for 3 scales"):
        convert("singan", [*netgs, official / "0" / "z_opt.pth", tmp_path / "amps.json"], [SIZE])
    with pytest.raises(zoo.ZooError, match="give z\\*"):
        convert("singan", [*netgs, official / "NoiseAmp.pth"], [SIZE])
    with pytest.raises(zoo.ZooError, match="scales \\[0, 2\\]"):
        convert("singan", [netgs[0], netgs[2], official / "NoiseAmp.pth"], [SIZE])


def test_the_pickled_module_list_needs_the_flag(official, tmp_path):
    modules = [ScaleNet(32, 32) for _ in range(3)]
    torch.save(modules, tmp_path / "Gs.pth")
    z_star = torch.randn(1, 3, 35, 44)
    torch.save([z_star, torch.zeros(1, 3, 38, 47), torch.zeros(1, 3, 40, 50)], tmp_path / "Zs.pth")
    files = [tmp_path / "Gs.pth", tmp_path / "Zs.pth", official / "NoiseAmp.pth"]
    with pytest.raises(zoo.ZooError, match=r"executes code in it.*--allow-pickle"):
        convert("singan", files, [SIZE])
    pipe, _ = convert("singan", files, [SIZE], allow_pickle=True)
    assert torch.equal(pipe.nets["G"].scales[2].tail[0].weight, modules[2].tail[0].weight)
    assert torch.equal(pipe.nets["G"].z_star, z_star[..., 5:-5, 5:-5])
