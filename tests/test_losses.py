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


def test_the_gradient_penalty_is_taken_at_the_mix_of_real_and_fake_each_images_weight_gives(monkeypatch):
    """A quadratic critic D(x) = sum(q_c x_c^2 / 2) has the input gradient q * x, so the penalty
    depends on the point between real and fake where it is taken. With the random weights fixed
    to alpha = (0.25, 0.75), that point is alpha * real + (1 - alpha) * fake per image, and the
    penalty is mean over images and pixels of (||q * x||_channels - 1)^2, worked out here without
    autograd. Its gradient must reach the critic's parameters (create_graph), not the generator's
    output (fake is detached)."""
    real = torch.linspace(-1, 1, 2 * 3 * 2 * 2).view(2, 3, 2, 2)
    fake = torch.linspace(1, -0.5, 2 * 3 * 2 * 2).view(2, 3, 2, 2).flip(-1).requires_grad_(True)
    q = torch.tensor([2.0, -1.0, 0.5], requires_grad=True)
    model = SimpleNamespace(discriminate=lambda batch, x: [[(q.view(1, 3, 1, 1) * x**2 / 2).sum(dim=1)]])
    alpha = torch.tensor([0.25, 0.75]).view(2, 1, 1, 1)
    draws = []

    def fixed_rand(*size, **kwargs):
        draws.append(torch.Size(size[0] if len(size) == 1 else size))
        return alpha.clone()

    penalty, stub = loss("gradient_penalty"), SimpleNamespace(real=real, fake=fake, model=model, batch={})
    monkeypatch.setattr(torch, "rand", fixed_rand)
    value = penalty(stub)
    monkeypatch.undo()
    assert draws == [(2, 1, 1, 1)]  # one weight per image

    def by_hand(q: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        mixed = alpha * real + (1 - alpha) * fake.detach()
        norms = ((q.view(1, 3, 1, 1) * mixed) ** 2).sum(dim=1).sqrt()  # (2, 2, 2): one per pixel
        return ((norms - 1) ** 2).mean()

    expected = by_hand(q, alpha)
    assert value.item() == pytest.approx(expected.item(), rel=1e-6)
    assert abs(by_hand(q, 1 - alpha).item() - expected.item()) > 0.1  # real and fake swapped would show
    (grad,) = torch.autograd.grad(value, q, retain_graph=True)
    (expected_grad,) = torch.autograd.grad(expected, q)
    assert torch.allclose(grad, expected_grad, rtol=1e-5)
    assert torch.autograd.grad(value, fake, allow_unused=True) == (None,)


def test_pixel_losses_compare_the_named_output_with_the_real_image():
    rec, real = torch.tensor([[1.0, 3.0]]), torch.tensor([[0.0, 1.0]])
    stub = SimpleNamespace(outputs={"rec": rec, "fake": real}, real=real)
    assert loss("mse", output="rec")(stub).item() == pytest.approx((1 + 4) / 2)
    assert loss("l1", output="rec")(stub).item() == pytest.approx((1 + 2) / 2)
    assert loss("l1")(stub).item() == 0
