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


@pytest.mark.parametrize(("name", "size"), [("unet_256", 256), ("unet_128", 128)])
def test_unets_map_images_to_images(name, size):
    net = zoo.create_model(name, ngf=8).eval()
    out = net(torch.randn(2, 3, size, size))
    assert out.shape == (2, 3, size, size) and out.abs().max() <= 1


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
