"""pix2pix networks, layer for layer as in the official code."""

from __future__ import annotations

import pytest
import torch
from helpers import read_reference
from torch import nn

import zoo


def _shapes(module: nn.Module) -> dict[str, tuple[tuple[int, ...], str]]:
    return {k: (tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in module.state_dict().items()}


def test_unet_256_has_the_official_keys_shapes_and_size():
    net = zoo.create_model("unet_256")
    assert _shapes(net) == read_reference("keys_pix2pix_unet256.txt")
    assert sum(p.numel() for p in net.parameters()) == 54413955


def test_resnet_9blocks_matches_the_official_cyclegan_generator():
    net = zoo.create_model("resnet_9blocks", norm="instance", use_dropout=False)
    assert _shapes(net) == read_reference("keys_cyclegan_resnet9.txt")
    assert sum(p.numel() for p in net.parameters()) == 11378179


def test_unet_dropout_sits_in_the_three_inner_512_decoder_blocks_and_bias_follows_the_norm():
    net = zoo.create_model("unet_256")
    dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
    assert len(dropouts) == 3 and all(d.p == 0.5 for d in dropouts)
    assert all(m.bias is None for m in net.modules() if isinstance(m, nn.Conv2d))  # followed by batch norm
    with_instance = zoo.create_model("unet_256", norm="instance", use_dropout=False)
    assert not any(isinstance(m, nn.Dropout) for m in with_instance.modules())
    assert all(m.bias is not None for m in with_instance.modules() if isinstance(m, nn.Conv2d))
    without_norm = zoo.create_model("unet_256", norm="none")  # the official code drops the bias here too
    assert sum(m.bias is not None for m in without_norm.modules() if isinstance(m, nn.Conv2d)) == 0


def _official_unet(w: dict[str, torch.Tensor], x: torch.Tensor, num_downs: int) -> torch.Tensor:
    """The official U-Net (``UnetSkipConnectionBlock``, batch norm, eval mode) written out by hand
    on a state dict with its keys: each level is ``model.`` inside the outer level's ``model.1.``.

    outermost: down conv, inner levels, ReLU, up conv (with bias), tanh; no skip connection.
    others: LeakyReLU(0.2) (in place: the skip carries it), down conv, [batch norm], inner levels,
    ReLU, up conv, batch norm, then cat([skip, up]); the innermost has no inner levels and no
    norm after its down conv."""
    F = nn.functional

    def down(h, key):
        return F.conv2d(h, w[key + ".weight"], w.get(key + ".bias"), stride=2, padding=1)

    def up(h, key):
        return F.conv_transpose2d(h, w[key + ".weight"], w.get(key + ".bias"), stride=2, padding=1)

    def bn(h, key):
        stats = [w[f"{key}.{name}"] for name in ("running_mean", "running_var", "weight", "bias")]
        return F.batch_norm(h, *stats, training=False, eps=1e-5)

    def level(h, prefix, depth):
        if depth == 0:
            inner = level(down(h, prefix + "0"), prefix + "1.model.", depth + 1)
            return torch.tanh(up(F.relu(inner), prefix + "3"))
        skip = F.leaky_relu(h, 0.2)
        if depth == num_downs - 1:
            return torch.cat([skip, bn(up(F.relu(down(skip, prefix + "1")), prefix + "3"), prefix + "4")], 1)
        inner = level(bn(down(skip, prefix + "1"), prefix + "2"), prefix + "3.model.", depth + 1)
        return torch.cat([skip, bn(up(F.relu(inner), prefix + "5"), prefix + "6")], 1)

    return level(x, "model.model.", 0)


@pytest.mark.parametrize(("name", "num_downs"), [("unet_128", 7), ("unet_256", 8)])
def test_unets_compute_what_the_official_blocks_compute(name, num_downs):
    """unet_128 and unet_256 are the official 7- and 8-level U-Nets, computed layer by layer: a
    wrong activation, norm, skip order, padding or depth changes the output. Weights larger than
    the N(0, 0.02) initialisation (whose output is near 0), random running statistics and
    affine norms so that every layer matters; eval mode, so dropout is off."""
    torch.manual_seed(0)
    net = zoo.create_model(name, ngf=2).eval()
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
                m.weight.normal_(0, 0.15)
                if m.bias is not None:
                    m.bias.uniform_(-0.2, 0.2)
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5), m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5), m.bias.uniform_(-0.5, 0.5)
        x = torch.rand(2, 3, 2**num_downs, 2**num_downs) * 2 - 1
        out = net(x.clone())  # a copy: the in-place first activation must not touch the reference's input
        expected = _official_unet(net.state_dict(), x, num_downs)
    assert out.shape == (2, 3, 2**num_downs, 2**num_downs)
    assert out.std() > 0.05  # not saturated or constant, so the comparison means something
    assert torch.allclose(out, expected, atol=1e-5)


def test_skip_connections_carry_activated_features_as_in_the_official_code():
    """The official blocks' in-place leaky ReLU rewrites the tensor the skip connection concatenates."""
    block = zoo.create_model("unet", num_downs=5, ngf=2).model.model[1]  # the first inner level
    x = torch.randn(1, 2, 16, 16)
    out = block(x.clone())
    assert torch.equal(out[:, :2], nn.functional.leaky_relu(x, 0.2))


def test_resnet_generator_uses_reflection_padding_and_keeps_the_size():
    net = zoo.create_model("resnet_6blocks", ngf=8).eval()
    assert sum(isinstance(m, nn.ReflectionPad2d) for m in net.modules()) == 2 + 2 * 6
    assert net(torch.randn(1, 3, 64, 64)).shape == (1, 3, 64, 64)


def _receptive_field(net: nn.Module, size: int = 256) -> int:
    x = torch.zeros(1, 6, size, size, requires_grad=True)
    out = net.eval()(x)
    out[0, 0, out.shape[2] // 2, out.shape[3] // 2].backward()
    rows = x.grad.abs().sum(dim=(0, 1, 3)).nonzero()
    return int(rows.max() - rows.min() + 1)


@pytest.mark.parametrize(("n_layers", "field"), [(0, 16), (1, 16), (2, 34), (3, 70), (4, 142)])
def test_patchgan_receptive_field(n_layers, field):
    torch.manual_seed(0)
    net = zoo.create_model("patchgan", kind="discriminator", n_layers=n_layers, ndf=4)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(0.01)  # no exact zeros, so the whole field shows
    assert _receptive_field(net) == field


def test_patchgan_and_pixelgan_outputs():
    patch = zoo.create_model("patchgan", kind="discriminator").eval()
    assert patch(torch.randn(1, 6, 256, 256)).shape == (1, 1, 30, 30)
    pixel = zoo.create_model("pixelgan", kind="discriminator").eval()
    assert pixel(torch.randn(1, 6, 64, 48)).shape == (1, 1, 64, 48)


def test_weights_start_from_normal_0_02():
    torch.manual_seed(0)
    net = zoo.create_model("unet_256")
    weights = torch.cat([m.weight.flatten() for m in net.modules() if isinstance(m, nn.Conv2d)])
    assert weights.std().item() == pytest.approx(0.02, rel=0.02) and abs(weights.mean().item()) < 1e-3
    bn = next(m for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    assert bn.weight.mean().item() == pytest.approx(1.0, abs=0.02) and bn.bias.abs().sum() == 0
