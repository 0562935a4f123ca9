"""SPADE / GauGAN: the official layers, spatially-adaptive modulation, the VAE, training, data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import SPADE_TINY, read_reference, write_image
from PIL import Image
from torch import nn

import zoo
from zoo.nn.multiscale import MultiscaleDiscriminator
from zoo.nn.norm import SyncBatchNorm2d, synchronize
from zoo.plugins.datasets.synthetic import SyntheticScenes
from zoo.plugins.spade.architecture import SPADEArchitecture
from zoo.plugins.spade.generator import SPADEGenerator
from zoo.plugins.spade.normalization import SPADE
from zoo.trainer.monitor import read_metrics

OLD = {
    "parametrizations.weight.original": "weight_orig",
    "parametrizations.weight.0._u": "weight_u",
    "parametrizations.weight.0._v": "weight_v",
}


def _official_names(module):
    """Our state dict under the names of the old ``torch.nn.utils.spectral_norm`` the official code used."""
    shapes = {}
    for key, value in module.state_dict().items():
        for new, old in OLD.items():
            key = key.replace(new, old)
        shapes[key] = (tuple(value.shape), str(value.dtype).removeprefix("torch."))
    return shapes


@pytest.mark.parametrize(
    ("reference", "options", "params"),
    [
        ("keys_spade_cityscapes_more_novae.txt", {"num_upsampling_layers": "more"}, 93048003),
        ("keys_spade_cityscapes_normal_novae.txt", {"num_upsampling_layers": "normal"}, 93048003),
        ("keys_spade_cityscapes_normal_vae.txt", {"num_upsampling_layers": "normal", "use_vae": True}, 126400707),
    ],
)
def test_the_generator_has_the_official_keys_shapes_and_size(reference, options, params):
    g = zoo.create_model("spade", semantic_nc=36, crop_size=512, aspect_ratio=2.0, **options)
    assert _official_names(g) == read_reference(reference)
    assert sum(p.numel() for p in g.parameters()) == params


def test_the_encoder_has_the_official_keys_and_size():
    e = zoo.create_model("spade_encoder", kind="encoder", crop_size=512)
    assert _official_names(e) == read_reference("keys_spade_encoder.txt")
    assert sum(p.numel() for p in e.parameters()) == 10463424


def test_spade_modulates_per_pixel_where_instance_norm_washes_the_labels_out():
    """The paper's argument: on a segmentation map of one class, convolution + instance norm gives
    the same (zero) output whatever the class; SPADE's output depends on it."""
    torch.manual_seed(0)
    conv, norm = nn.Conv2d(3, 8, 1), nn.InstanceNorm2d(8)
    spade = SPADE(8, 3, "instance")
    features = torch.randn(1, 8, 16, 16)
    outputs = {}
    for cls in range(3):
        seg = torch.zeros(1, 3, 16, 16)
        seg[:, cls] = 1
        outputs[cls] = (norm(conv(seg)), spade(features, seg))
    assert all(o[0].abs().max() < 1e-3 for o in outputs.values())  # zero, up to rounding, for every class
    assert not torch.allclose(outputs[0][1], outputs[1][1]) and not torch.allclose(outputs[1][1], outputs[2][1])
    half = torch.zeros(1, 3, 16, 16)
    half[:, 0, :, :8], half[:, 1, :, 8:] = 1, 1
    out = spade(features, half)
    # away from the seam (SPADE's two 3x3 convolutions reach two pixels), each half follows its class
    assert torch.allclose(out[..., 1:-1, :6], outputs[0][1][..., 1:-1, :6], atol=1e-6)
    assert torch.allclose(out[..., 1:-1, 10:], outputs[1][1][..., 1:-1, 10:], atol=1e-6)


@pytest.mark.parametrize(("layers", "factor"), [("normal", 32), ("more", 64), ("most", 128)])
def test_upsampling_variants_and_any_aspect_ratio(layers, factor):
    g = SPADEGenerator(semantic_nc=5, ngf=4, num_upsampling_layers=layers, crop_size=factor * 2, norm="instance").eval()
    assert g.size_multiple == factor
    assert g(torch.rand(1, 5, factor * 3, factor * 2)).shape == (1, 3, factor * 3, factor * 2)
    vae = SPADEGenerator(
        semantic_nc=5,
        ngf=4,
        num_upsampling_layers=layers,
        crop_size=factor * 4,
        aspect_ratio=2.0,
        use_vae=True,
        norm="instance",
    ).eval()
    assert vae.output_size == (factor * 2, factor * 4)
    assert vae(torch.rand(2, 5, factor * 2, factor * 4)).shape == (2, 3, factor * 2, factor * 4)  # z drawn on the CPU


def test_the_discriminator_is_the_official_one():
    d = zoo.create_model("spade_multiscale", kind="discriminator", input_nc=39)
    assert len(d.scales) == 2
    convs = [m for m in d.scales[0].modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride[0], c.padding[0], c.bias is None) for c in convs] == [
        (39, 64, 2, 2, False),
        (64, 128, 2, 2, True),
        (128, 256, 2, 2, True),
        (256, 512, 1, 2, True),
        (512, 1, 1, 2, False),
    ]
    spectral = [hasattr(c, "parametrizations") for c in convs]
    assert spectral == [False, True, True, True, False]
    assert sum(isinstance(m, nn.InstanceNorm2d) for m in d.scales[0].modules()) == 3


def test_the_recipe_defaults_ttur_and_the_official_losses():
    cfg = zoo.make_config("spade")
    assert (cfg.optim["G"].options["lr"], cfg.optim["D"].options["lr"]) == (1e-4, 4e-4) and cfg.optim["G"].options[
        "betas"
    ] == (0.0, 0.9)
    assert cfg.loss["gan"].options == {"mode": "hinge", "d_scale": 1.0, "scales": "mean"}
    assert (cfg.loss["feat"].weight, cfg.loss["vgg"].weight) == (10.0, 10.0)
    assert cfg.loss["kl"].weight == 0.0  # no VAE, no KL term
    assert zoo.make_config("spade", overrides=["G.use_vae=true"]).loss["kl"].weight == 0.05
    assert cfg.nets["G"].options["num_upsampling_layers"] == "normal" and cfg.nets["D"].options["n_layers"] == 4
    plain = zoo.make_config("spade", overrides=["model.ttur=false"])
    assert (plain.optim["G"].options["lr"], plain.optim["D"].options["lr"], plain.optim["D"].options["betas"]) == (
        2e-4,
        2e-4,
        (0.5, 0.999),
    )
    with pytest.raises(zoo.ConfigError, match=r"optim\.G\.lr=0\.001 contradicts"):
        zoo.make_config("spade", overrides=["optim.G.lr=1e-3"])
    with pytest.raises(zoo.ConfigError, match=r"loss\.kl\.weight=0\.3 contradicts"):
        zoo.make_config("spade", overrides=["loss.kl.name=kl", "loss.kl.weight=0.3"])


def test_a_saved_configuration_recomputes_what_the_recipe_derives(tmp_path):
    zoo.make_config("spade").save(tmp_path / "c.yaml")
    vae = zoo.make_config("spade", config=tmp_path / "c.yaml", overrides=["G.use_vae=true"])
    assert vae.loss["kl"].weight == 0.05 and vae.nets["E"].options["z_dim"] == 256
    plain = zoo.make_config("spade", config=tmp_path / "c.yaml", overrides=["model.lr=1e-3", "model.ttur=false"])
    assert (plain.optim["G"].options["lr"], plain.optim["D"].options["betas"]) == (1e-3, (0.5, 0.999))
    zoo.make_config("spade", overrides=["model.instance_edges=false"]).save(tmp_path / "d.yaml")
    assert not zoo.make_config("spade", config=tmp_path / "d.yaml").model.instance_edges  # a choice, kept


def test_the_official_per_data_set_defaults_apply_under_the_users_settings():
    g = zoo.make_config("spade", data="cityscapes").nets["G"].options
    assert (g["num_upsampling_layers"], g["crop_size"], g["aspect_ratio"]) == ("more", 512, 2.0)
    cfg = zoo.make_config("spade", data="cityscapes", overrides=["G.num_upsampling_layers=normal"])
    assert cfg.nets["G"].options["num_upsampling_layers"] == "normal"
    assert (cfg.data.options["preprocess"], cfg.data.options["load_size"]) == ("scale_width", 512)


def test_d_scores_fake_and_real_in_one_batch_as_officially(tmp_path, monkeypatch):
    cfg = zoo.make_config("spade", overrides=[*SPADE_TINY, "train.max_iterations=1"])
    batches = []
    forward = MultiscaleDiscriminator.forward
    monkeypatch.setattr(MultiscaleDiscriminator, "forward", lambda d, x: batches.append(len(x)) or forward(d, x))
    zoo.train(cfg, out=tmp_path / "run")
    assert batches == [4, 4]  # G step, D step: each one batch of 2 fakes and 2 reals

    model = SPADEArchitecture(cfg, zoo.get_registry()).eval()  # no power iteration: halves are comparable
    batch = {"condition": torch.rand(2, model.encoding.channels, 64, 64)}
    fake, real = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64)
    pair = model.discriminate_pair(batch, fake, real)
    for joint, alone in zip(pair, (model.discriminate(batch, fake), model.discriminate(batch, real)), strict=True):
        assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(joint[-1], alone[-1], strict=True))


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("spade-vae")
    zoo.train(zoo.make_config("spade", overrides=[*SPADE_TINY, "G.use_vae=true"]), out=out)
    return out


def test_training_with_the_vae(vae_run):
    metrics = read_metrics(vae_run)
    assert len(metrics) == 4 and set(metrics[0]["losses"]) == {"G/gan", "G/feat", "G/kl", "D/gan"}
    assert metrics[0]["lr"] == {"G": 1e-4, "D": 4e-4}


def test_the_encoder_trains_with_the_generator():
    model = SPADEArchitecture(zoo.make_config("spade", overrides=[*SPADE_TINY, "G.use_vae=true"]), zoo.get_registry())
    in_g_step = {id(p) for p in model.parameters_for("G", model.phases(None)[0])}
    assert {id(p) for p in model.nets["E"].parameters()} <= in_g_step


def test_multimodal_synthesis_differs_across_z_and_repeats_for_a_fixed_z(vae_run):
    pipe = zoo.load(vae_run)
    item = SyntheticScenes(size=64, split="val")[0]
    a, b = (pipe(item["label"], item["instance"], seed=s, output_type="pt") for s in (1, 2))
    assert (a - b).abs().mean() > 0.02
    assert torch.equal(a, pipe(item["label"], item["instance"], seed=1, output_type="pt"))
    z = torch.randn(1, 256)
    assert torch.equal(
        pipe(item["label"], item["instance"], z=z, output_type="pt"),
        pipe(item["label"], item["instance"], z=z, output_type="pt"),
    )


def test_style_guided_synthesis_follows_the_reference_photo(vae_run):
    pipe = zoo.load(vae_run)
    item, other = SyntheticScenes(size=64, split="val")[0], SyntheticScenes(size=64, split="val")[3]
    own = pipe(item["label"], item["instance"], style=(item["target"] + 1) / 2, output_type="pt")
    foreign = pipe(item["label"], item["instance"], style=(other["target"] + 1) / 2, output_type="pt")
    assert (own - foreign).abs().mean() > 0.01
    assert torch.equal(own, pipe(item["label"], item["instance"], style=(item["target"] + 1) / 2, output_type="pt"))


def test_training_without_the_vae_and_a_model_without_styles(tmp_path):
    run = zoo.train(zoo.make_config("spade", overrides=SPADE_TINY), out=tmp_path / "run")
    assert set(read_metrics(run)[0]["losses"]) == {"G/gan", "G/feat", "D/gan"}
    pipe = zoo.load(run)
    item = SyntheticScenes(size=64, split="val")[0]
    assert pipe(item["label"], item["instance"]).size == (64, 64)
    assert pipe(item["label"][:, :32, :], item["instance"][:, :32, :]).size == (64, 32)  # any multiple of 32
    with pytest.raises(zoo.ZooError, match="trained without the VAE"):
        pipe(item["label"], style=(item["target"] + 1) / 2)


def test_bad_styles_are_refused_clearly(vae_run):
    pipe = zoo.load(vae_run)
    item = SyntheticScenes(size=64, split="val")[0]
    with pytest.raises(zoo.ZooError, match=r"style codes of shape \(1, 128\) for 1 label map"):
        pipe(item["label"], z=torch.randn(1, 128))
    with pytest.raises(zoo.ZooError, match=r"\(2, 256\) for 1 label map"):
        pipe(item["label"], z=torch.randn(2, 256))
    with pytest.raises(zoo.ZooError, match="not both"):
        pipe(item["label"], style=(item["target"] + 1) / 2, z=torch.randn(1, 256))
    with pytest.raises(zoo.ConfigError, match=r"G.crop_size=16 .* leaves no latent cells"):
        SPADEGenerator(semantic_nc=4, use_vae=True, crop_size=16)


def test_synchronized_batch_norm_falls_back_on_the_cpu_and_says_so_once(tmp_path, capfd):
    zoo.train(zoo.make_config("spade", overrides=[*SPADE_TINY, "train.max_iterations=2"]), out=tmp_path / "run")
    said = capfd.readouterr().err
    assert said.count("synchronized batch norm runs as plain batch norm on the CPU") == 1
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Sequential(SyncBatchNorm2d(4, affine=False)))
    net[1][0].running_mean.fill_(2.0)
    assert synchronize(net) == 1
    assert isinstance(net[1][0], nn.SyncBatchNorm) and torch.all(net[1][0].running_mean == 2.0)


def test_the_released_models_are_registered_with_their_configs_and_licence():
    expected = {
        "spade-cityscapes": (36, "more", 512),
        "spade-ade20k": (151, "normal", 256),
        "spade-coco-stuff": (184, "normal", 256),
    }
    for name, (semantic_nc, layers, crop) in expected.items():
        entry = zoo.get_registry().get("pretrained", name).obj
        assert entry.arch == "spade" and entry.license == "cc-by-nc-sa-4.0" and entry.repo_id.endswith(name)
        cfg = zoo.make_config("spade", config=entry.config)
        g, data = cfg.nets["G"].options, cfg.data.options
        assert (g["semantic_nc"], g["num_upsampling_layers"], g["crop_size"]) == (semantic_nc, layers, crop)
        assert g["aspect_ratio"] == (2.0 if name == "spade-cityscapes" else 1.0)
        assert data["load_size"] == (512 if name == "spade-cityscapes" else None)  # 286 to train, 256 to test


def test_ade20k_feeds_labels_as_released_or_shifted_and_coco_stuff_maps_255_to_dontcare(tmp_path):
    ade = tmp_path / "ade"
    labels = np.array([[0, 1, 150, 2]] * 4, dtype=np.uint8)
    (ade / "annotations" / "training").mkdir(parents=True)
    Image.fromarray(labels).save(ade / "annotations" / "training" / "ADE_train_1.png")
    write_image(ade / "images" / "training" / "ADE_train_1.jpg", 4, 4)
    data = zoo.get_registry().create("dataset", "ade20k", root=str(ade), preprocess="none", flip=False)
    assert data.spec.classes(data[0]["label"])[0, 0].tolist() == [0, 1, 150, 2]  # as NVIDIA's model saw them
    data = zoo.get_registry().create("dataset", "ade20k", root=str(ade), preprocess="none", flip=False,
                                     labels="intended")  # fmt: skip
    assert data.spec.classes(data[0]["label"])[0, 0].tolist() == [150, 0, 149, 1]  # 0 -> "other" = class 150
    cfg = zoo.make_config("spade", config={"data": {"name": "ade20k", "root": str(ade)}})
    assert cfg.nets["G"].options["semantic_nc"] == 151 and not cfg.model.edges

    coco = tmp_path / "coco"
    Image.fromarray(np.array([[0, 181, 255, 7]] * 4, dtype=np.uint8)).save(
        (coco / "train_label").mkdir(parents=True) or coco / "train_label" / "a.png"
    )
    Image.fromarray(np.array([[1] * 4] * 4, dtype=np.uint16)).save(
        (coco / "train_inst").mkdir() or coco / "train_inst" / "a.png"
    )
    write_image(coco / "train_img" / "a.jpg", 4, 4)
    data = zoo.get_registry().create("dataset", "coco-stuff", root=str(coco), preprocess="none", flip=False)
    assert data.spec.classes(data[0]["label"])[0, 0].tolist() == [0, 181, 182, 7] and "instance" in data[0]
    Image.fromarray(np.array([[200] * 4] * 4, dtype=np.uint8)).save(coco / "train_label" / "a.png")
    with pytest.raises(zoo.DataError, match=r"a\.png: label value 200 is not a class \(0\.\.181 or 255"):
        zoo.get_registry().create("dataset", "coco-stuff", root=str(coco))
