"""Training steps in the official order, where the order changes the numbers: SPADE's spectral
norm iterates as the older ``torch.nn.utils.spectral_norm`` (v from u, then u from v), and a
critic step scores fake then real (pix2pix, pix2pixHD) or real then fake (SinGAN), which decides
the discriminator's batch-norm statistics."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from helpers import tiny_config
from torch.utils.data import default_collate

import zoo
from zoo.loss import Forward, StepState
from zoo.plugins.spade.normalization import spectral_norm


def test_spectral_norm_iterates_v_then_u_as_the_official_code():
    torch.manual_seed(0)
    layer = spectral_norm(torch.nn.Linear(3, 4, bias=False))
    weight = torch.randn(4, 3)
    u, v = F.normalize(torch.randn(4), dim=0), F.normalize(torch.randn(3), dim=0)
    with torch.no_grad():
        layer.parametrizations.weight.original.copy_(weight)
        layer.parametrizations.weight[0]._u.copy_(u)
        layer.parametrizations.weight[0]._v.copy_(v)
    layer.train()
    got = layer.weight  # one train-mode forward: one power iteration

    v_official = F.normalize(weight.t() @ u, dim=0)  # the old function: v from u first
    u_official = F.normalize(weight @ v_official, dim=0)
    sigma = u_official @ weight @ v_official
    torch.testing.assert_close(got, weight / sigma, atol=1e-6, rtol=0)
    torch.testing.assert_close(layer.parametrizations.weight[0]._u, u_official)

    u_newer = F.normalize(weight @ v, dim=0)  # the newer parametrization's order gives another sigma
    v_newer = F.normalize(weight.t() @ u_newer, dim=0)
    assert abs(float(u_newer @ weight @ v_newer) - float(sigma)) > 1e-3
    assert set(layer.state_dict()) == {"parametrizations.weight.original", "parametrizations.weight.0._u",
                                       "parametrizations.weight.0._v"}  # fmt: skip


def _critic_order(arch: str, overrides: list[str]) -> list[str]:
    """Which of fake and real a critic step of ``arch`` gives its discriminator first."""
    registry = zoo.get_registry()
    config = tiny_config(*overrides, arch=arch) if arch == "pix2pix" else zoo.make_config(arch, overrides=overrides)
    model = registry.get("architecture", arch).obj(config, registry)
    dataset = registry.create("dataset", config.data.name, **config.data.options)
    phase = model.phases(dataset)[0]
    model.build_phase(phase)
    model.start_phase(phase, dataset)
    batch = model.prepare_batch(default_collate([dataset[0]]))
    state = StepState(model, Forward(model, batch, shared=phase.share_forward), group="D")
    seen, discriminate = [], model.discriminate

    def record(batch, image):
        seen.append("real" if image is state.real else "fake")
        return discriminate(batch, image)

    model.discriminate = record
    registry.create("loss", "gan", mode=config.loss["gan"].options["mode"])(state)
    return seen


def test_a_pix2pix_critic_step_scores_the_fake_first():
    assert _critic_order("pix2pix", []) == ["fake", "real"]


def test_a_singan_critic_step_scores_the_real_image_first(tmp_path):
    from PIL import Image

    from zoo.plugins.datasets.single_image import DEFAULT

    Image.open(DEFAULT).convert("RGB").resize((40, 30)).save(tmp_path / "tiny.png")
    overrides = [f"data.path={tmp_path / 'tiny.png'}", "G.nfc=8", "G.min_nfc=8", "train.device=cpu"]
    assert _critic_order("singan", overrides) == ["real", "fake"]
