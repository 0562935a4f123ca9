"""pix2pixHD: official layers, the three-phase schedule, instance edges and styles, manipulation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from helpers import HD_LOCAL, HD_TINY, read_reference
from PIL import Image
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.nn.semantic import instance_edges, instance_mean
from zoo.plugins.datasets.synthetic import SyntheticScenes
from zoo.plugins.pix2pixhd.pipeline import Change, Pix2PixHDPipeline
from zoo.saved import read_weights
from zoo.trainer.monitor import read_metrics


def _shapes(module):
    return {k: (tuple(v.shape), str(v.dtype).removeprefix("torch.")) for k, v in module.state_dict().items()}


@pytest.fixture(scope="session")
def hd_run(tmp_path_factory):
    """A finished run with a local enhancer and instance features: global, local and joint phases."""
    out = tmp_path_factory.mktemp("hd")
    zoo.train(zoo.make_config("pix2pixhd", overrides=[*HD_TINY, *HD_LOCAL]), out=out)
    return out


def test_networks_have_the_official_keys_shapes_and_sizes():
    global_g = zoo.create_model("pix2pixhd_global")
    assert _shapes(global_g) == read_reference("keys_pix2pixHD_global.txt")
    assert sum(p.numel() for p in global_g.parameters()) == 182546755
    local_g = zoo.create_model("pix2pixhd_local")
    assert _shapes(local_g) == read_reference("keys_pix2pixHD_local.txt")
    assert sum(p.numel() for p in local_g.parameters()) == 182857059
    encoder = zoo.create_model("pix2pixhd_encoder", kind="encoder")
    shapes = _shapes(encoder)
    assert (shapes.pop("centres"), shapes.pop("counts")) == (((35, 10, 3), "float32"), ((35,), "int64"))
    assert shapes == read_reference("keys_pix2pixHD_encoder.txt")


def test_a_global_generator_loads_into_the_local_enhancers_global_part():
    local = zoo.create_model("pix2pixhd_local", input_nc=5, ngf=4, n_downsample_global=2, n_blocks_global=1)
    trained = local.global_generator()  # the 512p model of the paper's schedule, ngf = 2 * 4
    assert trained.size_multiple == 4 and local.size_multiple == 8
    local.load_global(trained)
    x = torch.randn(1, 5, 16, 16)
    assert torch.equal(local.model.eval()(x), trained.model[:-3].eval()(x))
    assert local(torch.randn(1, 5, 32, 32)).shape == (1, 3, 32, 32)


def test_the_boundary_map_separates_touching_instances_of_one_class():
    item = SyntheticScenes(size=64)[2]
    labels, instances = item["label"][None], item["instance"][None]
    houses = (labels == 3) & (instances >= 3001)
    ids = instances[houses].unique().tolist()
    assert len(ids) >= 2  # several houses, one class
    from_labels, from_instances = instance_edges(labels), instance_edges(instances)
    between = (from_instances > 0) & (from_labels == 0) & houses
    assert between.any()  # only the instance map marks where two houses meet
    row, col = between[0, 0].nonzero()[0].tolist()
    assert len(set(instances[0, 0, row, col - 1 : col + 2].tolist())) == 2  # the pixel sits between two houses


def test_instance_average_pooling():
    torch.manual_seed(0)  # unseeded, about 1 draw in 25 put a near-zero mean past allclose's 1e-8 absolute slack
    features, instances = torch.randn(2, 3, 8, 8), torch.randint(0, 4, (2, 1, 8, 8))
    pooled = instance_mean(features, instances)
    for b in range(2):
        for k in instances[b].unique():
            mask = instances[b, 0] == k
            assert torch.allclose(
                pooled[b][:, mask], features[b][:, mask].mean(1, keepdim=True).expand(-1, int(mask.sum()))
            )


def test_feature_matching_weights_equal_hand_computed_values():
    from zoo.plugins.losses.matching import FeatureMatchingLoss

    class State:  # two discriminator scales with three features and a prediction each
        fake = torch.zeros(1)
        d_fake = [[torch.full((1, 1, 2, 2), v) for v in (1.0, 2.0, 3.0, 9.0)] for _ in range(2)]
        d_real = [[torch.zeros(1, 1, 2, 2) for _ in range(4)], [torch.full((1, 1, 2, 2), 1.0) for _ in range(4)]]

    # pix2pixHD: layers weighted 4 / (n_layers + 1) = 4/3, scales 1/num_D = 1/2, predictions left out
    expected = 0.5 * (4 / 3) * ((1 + 2 + 3) + (0 + 1 + 2))
    assert FeatureMatchingLoss()(State()).item() == pytest.approx(expected)
    assert FeatureMatchingLoss("uniform")(State()).item() == pytest.approx(0.5 * (6 + 3))


@pytest.fixture(scope="session")
def vgg_file(tmp_path_factory):
    """A random VGG19 in timm's format, standing in for the ImageNet weights."""
    import timm
    from safetensors.torch import save_file

    path = tmp_path_factory.mktemp("vgg") / "vgg19.safetensors"
    torch.manual_seed(0)
    save_file({k: v.contiguous() for k, v in timm.create_model("vgg19").state_dict().items()}, str(path))
    return path


def test_vgg_loss_weights_layers_as_the_official_code(vgg_file, monkeypatch):
    import timm

    from zoo.plugins.losses.perceptual import VGGLoss

    monkeypatch.setenv("ZOO_VGG19_WEIGHTS", str(vgg_file))
    loss = VGGLoss()
    features = timm.create_model("vgg19", pretrained=True, pretrained_cfg_overlay={"file": str(vgg_file)}).features
    assert [type(features[i]).__name__ for i in (1, 6, 11, 20, 29)] == ["ReLU"] * 5  # relu1_1 .. relu5_1
    fake, real = torch.rand(1, 3, 32, 32) * 2 - 1, torch.rand(1, 3, 32, 32) * 2 - 1
    expected = sum(
        w * (features[: i + 1](fake) - features[: i + 1](real)).abs().mean()
        for w, i in zip((1 / 32, 1 / 16, 1 / 8, 1 / 4, 1), (1, 6, 11, 20, 29), strict=True)
    )

    class State:
        pass

    state = State()
    state.fake, state.real = fake, real
    with torch.no_grad():
        assert loss(state).item() == pytest.approx(float(expected), rel=1e-5)


def test_a_run_without_vgg_weights_refuses_to_start_unless_the_loss_is_off(tmp_path, monkeypatch):
    monkeypatch.delenv("ZOO_VGG19_WEIGHTS", raising=False)
    cfg = zoo.make_config("pix2pixhd", overrides=[o for o in HD_TINY if not o.startswith("loss.vgg")])
    with pytest.raises(zoo.ConfigError, match=r"the VGG loss needs ImageNet VGG19 weights.*loss\.vgg\.weight=0"):
        zoo.train(cfg, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_training_with_the_vgg_loss(tmp_path, vgg_file):
    cfg = zoo.make_config(
        "pix2pixhd", overrides=[*HD_TINY, "loss.vgg.weight=10", f"loss.vgg.file={vgg_file}", "train.max_iterations=2"]
    )
    run = zoo.train(cfg, out=tmp_path / "run")
    assert set(read_metrics(run)[0]["losses"]) == {"G/gan", "G/feat", "G/vgg", "D/gan"}


def test_the_three_phases_train_what_the_paper_says(hd_run):
    metrics = read_metrics(hd_run)
    assert [m["phase"] for m in metrics] == ["global"] * 4 + ["local"] * 4 + ["joint"] * 4
    steps = {p.name: read_weights(p / "model.safetensors") for p in (hd_run / "checkpoints").iterdir()}
    global_end, local_end, joint_end = (steps[f"step-{s:08d}"] for s in (4, 8, 12))

    def last_layer(state):
        return max(int(k.split(".")[2]) for k in state if k.startswith("G.model."))

    assert "G.model1_1.1.weight" not in global_end and "G.model1_1.1.weight" in local_end
    assert last_layer(global_end) > last_layer(local_end)  # G1 complete, then without its output layers
    carried = [k for k in local_end if k.startswith("G.model.") and k in global_end]
    assert carried and all(torch.equal(local_end[k], global_end[k]) for k in carried)  # G1 fixed in "local"
    assert not all(torch.equal(joint_end[k], local_end[k]) for k in carried)  # and trained again in "joint"
    assert metrics[8]["lr"]["G"] == 2e-4 and metrics[11]["lr"]["G"] == 2e-4  # offset-0 decay: full rate here


def test_resume_at_a_phase_boundary_and_inside_a_phase_is_exact(tmp_path, hd_run):
    overrides = [*HD_TINY, *HD_LOCAL]
    for stop in (4, 10):
        part = zoo.train(
            zoo.make_config("pix2pixhd", overrides=[*overrides, f"train.max_iterations={stop}"]),
            out=tmp_path / f"part{stop}",
        )
        zoo.train(zoo.make_config("pix2pixhd", overrides=overrides), resume=part)
        assert read_metrics(part) == read_metrics(hd_run)
        ours, theirs = (read_weights(r / "checkpoints" / "step-00000012" / "model.safetensors") for r in (part, hd_run))
        assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def test_styles_are_clustered_per_class_and_round_trip(hd_run, tmp_path):
    pipe = zoo.load(hd_run)
    encoder = pipe.nets["E"]
    assert encoder.counts.sum() > 0 and int(encoder.counts.max()) <= 10
    used = encoder.counts > 0
    assert encoder.centres[used].abs().sum() > 0 and encoder.centres[~used].abs().sum() == 0
    pipe.save_pretrained(tmp_path / "model")
    again = zoo.load(tmp_path / "model")
    assert torch.equal(again.nets["E"].centres, encoder.centres) and torch.equal(again.nets["E"].counts, encoder.counts)
    item = SyntheticScenes(size=32, split="val")[0]
    a = pipe(item["label"], item["instance"], seed=3, output_type="pt")
    assert torch.equal(a, again(item["label"], item["instance"], seed=3, output_type="pt"))


def _save_maps(labels, instances, label_path, instance_path):
    """Maps as files: labels 8-bit, instances 16-bit (as Cityscapes stores them)."""
    Image.fromarray(labels[0].numpy().astype(np.uint8)).save(label_path)
    Image.fromarray(instances[0].numpy().astype(np.uint16)).save(instance_path)


def _sample(size=32):
    item = SyntheticScenes(size=size, split="val")[1]
    return item["label"], item["instance"], item["target"]


def test_styles_random_chosen_or_encoded_from_a_photo(hd_run):
    pipe = zoo.load(hd_run)
    labels, instances, photo = _sample()
    random_a = pipe(labels, instances, seed=0, output_type="pt")
    assert torch.equal(random_a, pipe(labels, instances, seed=0, output_type="pt"))
    house = next(i for i in instances.unique().tolist() if 3000 < i < 4000)
    count = int(pipe.nets["E"].counts[3])
    styled = [pipe(labels, instances, style={house: c}, output_type="pt") for c in range(count)]
    assert len({s.numpy().tobytes() for s in styled}) == count  # each centre looks different
    encoded = pipe(labels, instances, style=(photo + 1) / 2, output_type="pt")
    other = pipe(labels, instances, style=torch.rand(3, 32, 32), output_type="pt")
    assert not torch.equal(encoded, other)


def test_semantic_manipulation_changes_the_edited_region_and_little_else(hd_run):
    pipe = zoo.load(hd_run)
    labels, instances, _ = _sample(128)  # larger than the training scenes, so "far" is far for the network's reach
    house = next(i for i in instances.unique().tolist() if 3000 < i < 4000)
    region = instances[0] == house
    before = pipe(labels, instances, output_type="pt")
    after = pipe.edit(labels, instances, [Change(instance=house, label=4)], output_type="pt")  # a house becomes a tree
    change = (after - before).abs().mean(0)
    near = torch.nn.functional.max_pool2d(region[None, None].float(), 33, 1, 16)[0, 0] > 0  # the region and 16 px
    assert change[region].mean() > 5 * change[~near].mean()
    restyled = pipe.edit(labels, instances, [Change(instance=house, style=1)], style={house: 0}, output_type="pt")
    original = pipe(labels, instances, style={house: 0}, output_type="pt")
    restyle_change = (restyled - original).abs().mean(0)
    assert restyle_change[region].mean() > 5 * restyle_change[~near].mean()


def _edit(hd_run, folder, *options):
    """``zoo edit`` on the sample's maps saved in ``folder``, writing ``edited.png`` there."""
    labels, instances, _ = _sample()
    _save_maps(labels, instances, folder / "label.png", folder / "inst.png")
    args = [
        "edit",
        "--model",
        str(hd_run),
        "--label",
        str(folder / "label.png"),
        "--instance",
        str(folder / "inst.png"),
        "--output",
        str(folder / "edited.png"),
        *options,
    ]
    return CliRunner().invoke(app, args)


def test_zoo_edit_writes_the_edited_image(hd_run, tmp_path):
    house = next(i for i in _sample()[1].unique().tolist() if 3000 < i < 4000)
    result = _edit(hd_run, tmp_path, "--relabel", f"{house}=4", "--before", str(tmp_path / "before.png"))
    assert result.exit_code == 0, result.output
    edited, before = (np.asarray(Image.open(tmp_path / name)) for name in ("edited.png", "before.png"))
    assert edited.shape == (32, 32, 3) and not np.array_equal(edited, before)


def test_sizes_off_the_stride_fail_clearly_or_are_padded(hd_run):
    pipe = zoo.load(hd_run)
    labels, instances, _ = _sample()
    odd = labels[..., :30, :27], instances[..., :30, :27]
    with pytest.raises(
        zoo.DataError, match=r"label maps of 27x30 pixels: this generator needs multiples of 8.*size_policy=pad"
    ):
        pipe(*odd)
    config = dataclasses.replace(pipe.config, model=pipe.config.model.model_copy(update={"size_policy": "pad"}))
    padded = Pix2PixHDPipeline(config, pipe.nets, device="cpu")
    assert padded(*odd).size == (27, 30)


def test_zoo_generate_reads_label_maps_and_instance_maps(hd_run, tmp_path):
    for folder in ("labels", "inst"):
        (tmp_path / folder).mkdir()
    for i in range(2):
        item = SyntheticScenes(size=32, split="test")[i]
        _save_maps(
            item["label"], item["instance"], tmp_path / "labels" / f"scene{i}.png", tmp_path / "inst" / f"scene{i}.png"
        )
    args = [
        "generate",
        "--model",
        str(hd_run),
        "--input",
        str(tmp_path / "labels"),
        "--output",
        str(tmp_path / "out"),
        "--instance",
        str(tmp_path / "inst"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["scene0.png", "scene1.png"]


def test_the_discriminator_is_the_official_one():
    from torch import nn

    d = zoo.create_model("pix2pixhd_multiscale", kind="discriminator", input_nc=39, num_D=3)
    assert len(d.scales) == 3
    convs = [m for m in d.scales[0].modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride[0], c.padding[0]) for c in convs] == [
        (39, 64, 2, 2),
        (128 // 2, 128, 2, 2),
        (128, 256, 2, 2),
        (256, 512, 1, 2),
        (512, 1, 1, 2),
    ]
    assert all(c.kernel_size == (4, 4) and c.bias is not None for c in convs)
    assert len(d(torch.randn(1, 39, 64, 64))[0]) == 5  # four features and the prediction


def test_feature_matching_on_a_real_discriminator_uses_the_configured_depth():
    from zoo.plugins.losses.matching import FeatureMatchingLoss

    n_layers, num_d = 2, 2
    d = zoo.create_model(
        "pix2pixhd_multiscale", kind="discriminator", input_nc=3, ndf=4, n_layers=n_layers, num_D=num_d
    )
    fake, real = torch.randn(1, 3, 32, 32), torch.randn(1, 3, 32, 32)

    class State:
        pass

    state = State()
    with torch.no_grad():
        state.fake, state.d_fake, state.d_real = fake, d(fake), d(real)
        expected = sum(
            (4 / (n_layers + 1)) / num_d * (f - r).abs().mean()
            for fs, rs in zip(state.d_fake, state.d_real, strict=True)
            for f, r in zip(fs[:-1], rs[:-1], strict=True)
        )
        assert FeatureMatchingLoss()(state).item() == pytest.approx(float(expected), rel=1e-5)


def test_the_decay_follows_the_official_rule(tmp_path):
    overrides = [*HD_TINY, *HD_LOCAL, "schedule.epochs=2", "schedule.decay_epochs=2", "schedule.global_epochs=0"]
    run = zoo.train(zoo.make_config("pix2pixhd", overrides=overrides), out=tmp_path / "run")
    per_epoch = [(m["phase"], m["lr"]["G"]) for m in read_metrics(run)][::4]
    assert per_epoch == [("local", 2e-4), ("joint", 2e-4), ("joint", 2e-4), ("joint", 1e-4)]


def test_the_discriminator_keeps_its_adam_state_into_the_joint_phase(hd_run):
    def adam_steps(step):
        state = torch.load(hd_run / "checkpoints" / f"step-{step:08d}" / "training_state.pt", weights_only=True)
        return {group: int(next(iter(state["optimizers"][group]["state"].values()))["step"]) for group in ("G", "D")}

    assert adam_steps(8) == {"G": 4, "D": 4}  # the local phase
    assert adam_steps(12) == {"G": 4, "D": 8}  # G's optimizer restarts with the joint phase, D's goes on


def test_a_checkpoint_of_the_global_phase_loads_as_the_global_generator(hd_run):
    pipe = zoo.load(hd_run / "checkpoints" / "step-00000004")
    assert pipe.config.nets["G"].name == "pix2pixhd_global" and pipe.config.nets["G"].options["ngf"] == 8
    labels, instances, _ = _sample()
    assert pipe(labels, instances).size == (32, 32)


def test_two_local_enhancers_train_and_convert(tmp_path):
    overrides = [
        *HD_TINY,
        *HD_LOCAL,
        "G.n_local_enhancers=2",
        "data.size=64",
        "train.checkpoint_every=1",
        "train.keep_checkpoints=20",
    ]
    run = zoo.train(zoo.make_config("pix2pixhd", overrides=overrides), out=tmp_path / "run")
    weights = {s: read_weights(run / "checkpoints" / f"step-{s:08d}" / "model.safetensors") for s in (5, 8)}
    for enhancer in ("G.model1_1.1.weight", "G.model2_1.1.weight"):
        assert not torch.equal(weights[5][enhancer], weights[8][enhancer])  # both enhancers train in "local"
    g = {k.removeprefix("G."): v for k, v in weights[8].items() if k.startswith("G.")}
    e = {
        k.removeprefix("E."): v
        for k, v in weights[8].items()
        if k.startswith("E.") and k[2:] not in ("centres", "counts")
    }
    torch.save(g, tmp_path / "latest_net_G.pth")
    torch.save(e, tmp_path / "latest_net_E.pth")
    pipe, _ = zoo.convert.convert("pix2pixhd", [tmp_path / "latest_net_G.pth", tmp_path / "latest_net_E.pth"])
    options = pipe.config.nets["G"].options
    assert (options["n_local_enhancers"], options["ngf"], pipe.config.model.label_nc) == (2, 4, 6)


def test_a_dontcare_value_through_training_and_inference(tmp_path):
    rng = np.random.default_rng(0)
    for name in ("a", "b"):
        labels = rng.integers(0, 3, (32, 32))
        labels[:4] = 255  # an unlabelled band
        (tmp_path / "labels").mkdir(exist_ok=True)
        Image.fromarray(labels.astype(np.uint8)).save(tmp_path / "labels" / f"{name}.png")
        (tmp_path / "photos").mkdir(exist_ok=True)
        Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(tmp_path / "photos" / f"{name}.png")
    data = [
        "data.name=label-folder",
        f"data.label_dir={tmp_path / 'labels'}",
        f"data.image_dir={tmp_path / 'photos'}",
        "data.label_nc=3",
        "data.dontcare=255",
        "data.preprocess=none",
    ]
    overrides = [o for o in HD_TINY if not o.startswith("data.")] + data + ["train.batch_size=1"]
    cfg = zoo.make_config("pix2pixhd", overrides=overrides)
    assert cfg.nets["G"].options["input_nc"] == 3 + 1  # classes and don't-care; no instance maps, so no edges
    assert not cfg.model.edges
    run = zoo.train(cfg, out=tmp_path / "run")
    pipe = zoo.load(run)
    assert pipe(tmp_path / "labels" / "a.png").size == (32, 32)  # 255 in the file is understood
    with pytest.raises(zoo.DataError, match=r"label value 7 is not one of the model's classes \(0\.\.2 or 255"):
        pipe(np.full((32, 32), 7))


def test_zoo_edit_paints_a_region(hd_run, tmp_path):
    mask = np.zeros((32, 32), dtype=np.uint8)
    mask[20:28, 4:12] = 1
    Image.fromarray(mask).save(tmp_path / "mask.png")
    result = _edit(hd_run, tmp_path, "--region", f"{tmp_path / 'mask.png'}=2")
    assert result.exit_code == 0, result.output
    bad = _edit(hd_run, tmp_path, "--relabel", "1=9")
    assert isinstance(bad.exception, zoo.ZooError) and "not one of the model's classes" in str(bad.exception)
