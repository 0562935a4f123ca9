"""SinGAN's MATLAB-style bicubic resize against the definition: worked numbers on tiny arrays, and a
direct scalar implementation of the formula (written here, independent of the module under test)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from zoo.plugins.singan.imresize import cubic, imresize, resized_shape, singan_imresize, to_levels

SINGAN_FACTOR = 0.816496580927726
"""The scale factor between neighbouring scales of the parity fixture (balloons, 3 scales at 40 px)."""


# --- the definition, one output pixel at a time ---------------------------------------------------
def keys(d: float) -> float:
    """Keys' cubic kernel, a = -0.5."""
    d = abs(d)
    if d <= 1:
        return 1.5 * d**3 - 2.5 * d**2 + 1
    if d <= 2:
        return -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2
    return 0.0


def mirrored(j: int, n: int) -> int:
    """1-based position ``j`` folded into 1..n symmetrically, the edge pixel repeated: 0 -> 1, -1 -> 2, n+1 -> n."""
    k = (j - 1) % (2 * n)
    return k + 1 if k < n else 2 * n - k


def pixel(values, x: int, scale: float, wide: bool, drop_left: bool = False) -> float:
    """Output pixel ``x`` (1-based) of MATLAB's imresize of the 1-D ``values``: at u = x/scale + (1 - 1/scale)/2,
    the normalised sum of h(u - j) * value(j) over every input position j the kernel reaches; h is the
    cubic, or scale * cubic(scale * d) when ``wide`` (antialiasing a shrink). ``drop_left``: positions
    before the first pixel count for nothing (SinGAN's port) instead of reading the mirror."""
    n = len(values)
    u = x / scale + 0.5 * (1 - 1 / scale)
    reach = 2 / scale if wide else 2.0
    num = den = 0.0
    for j in range(math.floor(u - reach) - 1, math.ceil(u + reach) + 2):
        w = scale * keys(scale * (u - j)) if wide else keys(u - j)
        if w == 0 or (drop_left and j < 1):
            continue
        num += w * values[mirrored(j, n) - 1]
        den += w
    return num / den


def definition(values, scale: float, out: int | None = None, wide: bool | None = None, drop_left: bool = False):
    out = math.ceil(len(values) * scale) if out is None else out
    wide = scale < 1 if wide is None else wide
    return [pixel(values, x, scale, wide, drop_left) for x in range(1, out + 1)]


def definition_2d(image: np.ndarray, scales, size, wide=None, drop_left=False) -> np.ndarray:
    """Separable: each column, then each row (the order does not change the exact result)."""
    cols = np.stack(
        [definition(image[:, c], scales[0], size[0], wide, drop_left) for c in range(image.shape[1])], axis=1
    )
    return np.stack([definition(cols[r], scales[1], size[1], wide, drop_left) for r in range(size[0])], axis=0)


def column(values) -> torch.Tensor:
    """A 1-D signal as a (1, 1, n, 1) batch, resized along the height (which decides antialiasing in the port)."""
    return torch.tensor(values, dtype=torch.float64).view(1, 1, -1, 1)


def resize_1d(values, scale=None, size=None, **options) -> list[float]:
    out = imresize(
        column(values), None if scale is None else (scale, 1.0), None if size is None else (size, 1), **options
    )
    assert out.shape[-1] == 1
    return out.flatten().tolist()


# --- worked numbers ---------------------------------------------------------------------------------
def test_the_kernel_is_keys_cubic_with_a_minus_one_half():
    d = np.array([0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, -0.5, -1.5])
    assert cubic(d).tolist() == [
        1.0,
        0.8671875,  # 1.5/64 - 2.5/16 + 1
        0.5625,
        0.2265625,
        0.0,
        -0.0703125,  # -0.5 * 125/64 + 2.5 * 25/16 - 5 + 2
        -0.0625,
        -0.0234375,
        0.0,
        0.0,
        0.5625,
        -0.0625,
    ]


def test_sizes_round_up_from_the_exact_scale():
    assert resized_shape((7, 25), 0.6) == ((0.6, 0.6), (5, 15))  # 4.2 -> 5, 15.0 -> 15
    assert resized_shape((20, 25), 1 / SINGAN_FACTOR)[1] == (25, 31)  # 24.49 -> 25, 30.6 -> 31
    assert resized_shape((6, 8), size=(9, 4)) == ((1.5, 0.5), (9, 4))  # from a size: out / in


def test_a_ramp_doubled_is_exact_inside_and_mirrored_at_the_edges():
    # u = x/2 + 1/4: 0.75, 1.25, ...; inside, the cubic reproduces the ramp (u itself); at the left, taps at
    # positions 0 and -1 read pixels 1 and 2: 2 * k(1.75) + 1 * k(0.75) + 1 * k(0.25) + 2 * k(1.25) = 0.90625
    expected = [0.90625, 1.1796875, 1.7265625, 2.25, 2.75, 3.2734375, 3.8203125, 4.09375]
    assert resize_1d([1.0, 2.0, 3.0, 4.0], 2.0) == pytest.approx(expected, abs=1e-12)
    assert definition([1.0, 2.0, 3.0, 4.0], 2.0) == pytest.approx(expected, abs=1e-12)


def test_singans_port_drops_the_taps_before_the_first_pixel_and_renormalises():
    # x = 1: only pixels 1 and 2 count, (k(0.25) * 1 + k(1.25) * 2) / (k(0.25) + k(1.25)) = 93/102; the right
    # edge is mirrored as MATLAB does
    expected = [31 / 34, 160 / 137, 224 / 131, 2.25, 2.75, 3.2734375, 3.8203125, 4.09375]
    assert resize_1d([1.0, 2.0, 3.0, 4.0], 2.0, variant="singan") == pytest.approx(expected, abs=1e-12)
    assert definition([1.0, 2.0, 3.0, 4.0], 2.0, drop_left=True) == pytest.approx(expected, abs=1e-12)


def test_a_delta_enlarged_shows_the_kernel():
    # 5 -> 10 pixels: output x sits at u = x/2 + 1/4, the delta at 3: values k(u - 3)
    expected = [0, -0.0234375, -0.0703125, 0.2265625, 0.8671875, 0.8671875, 0.2265625, -0.0703125, -0.0234375, 0]
    assert resize_1d([0.0, 0.0, 1.0, 0.0, 0.0], 2.0) == pytest.approx(expected, abs=1e-12)


def test_shrinking_widens_the_kernel_unless_antialiasing_is_off():
    delta = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]  # 8 -> 4: u = 2x - 1/2 = 1.5, 3.5, 5.5, 7.5; delta at 4
    # antialiased: h(d) = k(d/2)/2 over 8 pixels, at d = -2.5, -0.5, 1.5, 3.5
    assert resize_1d(delta, 0.5) == pytest.approx([-0.03515625, 0.43359375, 0.11328125, -0.01171875], abs=1e-12)
    # plain cubic: only u = 3.5 (d = -0.5) and 5.5 (d = 1.5) reach it
    assert resize_1d(delta, 0.5, antialias=False) == pytest.approx([0, 0.5625, -0.0625, 0], abs=1e-12)


@pytest.mark.parametrize("variant", ["matlab", "singan"])
@pytest.mark.parametrize("scale", [0.3, 0.5, 0.75, 1 / SINGAN_FACTOR, 2.0, 3.5])
def test_flat_stays_flat(scale, variant):
    out = imresize(torch.full((1, 1, 7, 6), 7.0, dtype=torch.float64), scale, variant=variant)
    assert torch.allclose(out, torch.full_like(out, 7.0), atol=1e-12, rtol=0)


# --- against the definition ---------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["matlab", "singan"])
@pytest.mark.parametrize(
    ("n", "scale", "size"),
    [
        (5, 2.0, None),  # odd, up
        (6, 1.5, None),  # even, up by a fraction
        (7, 0.6, None),  # odd, down (antialiased)
        (8, 0.5, None),  # even, down
        (9, SINGAN_FACTOR, None),  # SinGAN's shrink
        (9, 1 / SINGAN_FACTOR, None),  # SinGAN's enlargement
        (4, 0.25, None),  # to one pixel
        (6, None, 11),  # by size: scale 11/6
        (11, None, 4),  # by size: scale 4/11
    ],
)
def test_one_dimension_matches_the_definition(n, scale, size, variant):
    values = np.random.default_rng(n).uniform(-3, 3, n).tolist()
    out = resize_1d(values, scale, size, variant=variant)
    expected = definition(values, size / n if scale is None else scale, size, drop_left=variant == "singan")
    assert out == pytest.approx(expected, abs=1e-12)


def test_two_dimensions_each_with_its_own_scale():
    image = np.random.default_rng(1).uniform(0, 255, (7, 10))
    out = imresize(torch.from_numpy(image).view(1, 1, 7, 10), size=(3, 13))[0, 0].numpy()
    np.testing.assert_allclose(out, definition_2d(image, (3 / 7, 1.3), (3, 13)), atol=1e-10, rtol=0)
    # SinGAN's port antialiases by the height's scale: here the width is enlarged with the widened kernel too
    port = imresize(torch.from_numpy(image).view(1, 1, 7, 10), size=(3, 13), variant="singan")[0, 0].numpy()
    np.testing.assert_allclose(port, definition_2d(image, (3 / 7, 1.3), (3, 13), True, True), atol=1e-10, rtol=0)


def test_a_batch_is_resized_image_by_image_in_its_own_dtype():
    batch = torch.rand(3, 2, 6, 9)
    out = imresize(batch, 0.7)
    assert out.dtype == torch.float32 and out.shape == (3, 2, 5, 7)
    assert torch.equal(out[1:2], imresize(batch[1:2], 0.7))
    assert torch.equal(singan_imresize(batch * 2 - 1, 1.3)[2:], singan_imresize(batch[2:] * 2 - 1, 1.3))


# --- SinGAN's wrapper -----------------------------------------------------------------------------------
def known_image() -> tuple[torch.Tensor, np.ndarray]:
    """A 6 x 8 RGB image on the uint8 grid, as the official code reads one (levels / 255, then (x - 0.5) * 2)."""
    i, j = np.mgrid[0:6, 0:8]
    levels = np.stack([(37 * i + 11 * j * j) % 256, (200 - 25 * i + 3 * j) % 256, (i * j * 9) % 256]).astype(np.uint8)
    image = ((torch.from_numpy(levels / 255).float() - 0.5) * 2)[None]
    return image, levels


def test_one_scale_up_of_a_known_image_gives_the_definitions_values():
    image, levels = known_image()
    # the round trip truncates in float32 (numpy here, as torch2uint8 does): some levels come back one lower
    x = ((levels / 255).astype(np.float32) - np.float32(0.5)) * np.float32(2)
    levels = (np.float32(255) * ((x + np.float32(1)) / np.float32(2))).astype(np.uint8)
    assert torch.equal(to_levels(image)[0], torch.from_numpy(levels).float())
    assert (levels != known_image()[1]).any()  # the drift the official code has, kept
    up = singan_imresize(image, 1 / SINGAN_FACTOR)
    assert up.shape == (1, 3, 8, 10)  # ceil(6 * 1.2247...), ceil(8 * 1.2247...)
    for channel in range(3):
        resized = definition_2d(levels[channel].astype(float), (1 / SINGAN_FACTOR,) * 2, (8, 10), drop_left=True)
        expected = ((torch.from_numpy(resized / 255).float() - 0.5) * 2).clamp(-1, 1)  # back as np2torch does
        assert torch.allclose(up[0, channel], expected, atol=1e-6, rtol=0)
    assert up.max() == 1.0 and up.min() == -1.0  # the overshoot at the 0/255 edges is clamped after the resize


def test_the_round_trip_truncates_and_clamps():
    x = torch.tensor([-1.5, -1.0, 0.0, 0.999, 1.0, 2.0]).view(1, 1, 1, 6)
    assert to_levels(x).flatten().tolist() == [0, 0, 127, 254, 255, 255]  # 127.5 -> 127, 254.87 -> 254: truncated
    back = (torch.tensor([0, 0, 127, 254, 255, 255], dtype=torch.float64) / 255).float()
    assert torch.equal(singan_imresize(x, 1.0), ((back - 0.5) * 2).view(x.shape))  # at scale 1: only the round trip
