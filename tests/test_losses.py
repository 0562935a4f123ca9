"""The loss terms' values, computed by hand on small tensors."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch

import zoo

REAL = [[torch.tensor([0.5, 2.0])], [torch.tensor([-1.0, 0.0])]]
FAKE = [[torch.tensor([-0.5, 1.5])], [torch.tensor([3.0, -2.0])]]


def loss(name: str, **options):
    return zoo.get_registry().create("loss", name, **options)


def state(generator: bool, **outputs):
    return SimpleNamespace(trains_generator=generator, d_real=REAL, d_fake=FAKE, outputs=outputs)


def test_hinge_as_spade_averages_its_scales_and_adds_both_sides():
    hinge = loss("gan", mode="hinge", d_scale=1.0, scales="mean")
    # D: mean(relu(1 - real)) + mean(relu(1 + fake)) per scale: (0.25 + 1.5) and (1.5 + 2.0)
    assert hinge(state(False)).item() == pytest.approx((1.75 + 3.5) / 2)
    # G: -mean(fake) per scale: -0.5 and -0.5
    assert hinge(state(True)).item() == pytest.approx(-0.5)


def test_lsgan_as_pix2pixhd_sums_its_scales_and_halves_d():
    lsgan = loss("gan", mode="lsgan", d_scale=0.5, scales="sum")
    d = 0.5 * ((0.25 + 1.0) / 2 + (0.25 + 2.25) / 2) + 0.5 * ((4.0 + 1.0) / 2 + (9.0 + 4.0) / 2)
    assert lsgan(state(False)).item() == pytest.approx(d)
    assert lsgan(state(True)).item() == pytest.approx((2.25 + 0.25) / 2 + (4.0 + 9.0) / 2)


def test_kl_is_summed_over_batch_and_code_as_spade():
    mu, logvar = torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([[0.0, 1.0], [0.0, 0.0]])
    expected = -0.5 * sum(
        1 + lv - m**2 - torch.exp(torch.tensor(lv)).item() for m, lv in [(1, 0), (0, 1), (0, 0), (2, 0)]
    )
    assert loss("kl")(state(True, mu=mu, logvar=logvar)).item() == pytest.approx(expected)


def test_the_gradient_penalty_takes_the_norm_over_channels_at_each_pixel():
    weights = torch.tensor([0.6, 0.0, 0.0]).view(1, 3, 1, 1)  # a linear critic: its gradient is these weights
    model = SimpleNamespace(discriminate=lambda batch, x: [[torch.nn.functional.conv2d(x, weights)]])
    penalty = loss("gradient_penalty")
    stub = SimpleNamespace(real=torch.rand(2, 3, 4, 4), fake=torch.rand(2, 3, 4, 4), model=model, batch={})
    assert penalty(stub).item() == pytest.approx((0.6 - 1) ** 2)


def test_pixel_losses_compare_the_named_output_with_the_real_image():
    rec, real = torch.tensor([[1.0, 3.0]]), torch.tensor([[0.0, 1.0]])
    stub = SimpleNamespace(outputs={"rec": rec, "fake": real}, real=real)
    assert loss("mse", output="rec")(stub).item() == pytest.approx((1 + 4) / 2)
    assert loss("l1", output="rec")(stub).item() == pytest.approx((1 + 2) / 2)
    assert loss("l1")(stub).item() == 0
