"""The metrics: formulas checked against independent computations and torchmetrics, and
`zoo eval` end to end on a tiny model with stand-in (random, not pretrained) feature weights."""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pytest
import torch
from scipy import linalg
from typer.testing import CliRunner

from zoo.cli import app
from zoo.errors import ConfigError
from zoo.metric import EvalBatch, Metric, Segmenter
from zoo.plugins.metrics.inception import SIFID, frechet_distance, kernel_inception_distance, sifid_network
from zoo.plugins.metrics.segmentation import SegmentationScore, confusion, scores


def closed_form_frechet(a: np.ndarray, b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2), by scipy's matrix square root."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = linalg.sqrtm(s_a @ s_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a + s_b - 2 * root))


def features(n: int = 400, d: int = 8, seed: int = 0) -> torch.Tensor:
    """``n`` draws of one correlated Gaussian (the same for every seed)."""
    mixing = torch.randn(d, d, generator=torch.Generator().manual_seed(1234), dtype=torch.float64)
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) @ mixing


def test_fid_of_a_set_against_itself_is_zero():
    a = features()
    assert abs(frechet_distance(a, a)) < 1e-8


def test_fid_against_a_shifted_set_is_the_closed_form():
    a, b = features(seed=0), features(seed=1) * 1.5 + 2.0
    expected = closed_form_frechet(a.numpy(), b.numpy())
    assert expected > 10
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)


def test_fid_agrees_with_torchmetrics_on_the_same_features():
    from torchmetrics.image.fid import FrechetInceptionDistance

    class Identity(torch.nn.Module):
        num_features = 8

        def forward(self, x):
            return x

    a, b = features(seed=2), features(seed=3) + 0.5
    reference = FrechetInceptionDistance(feature=Identity())
    reference.update(a, real=True)
    reference.update(b, real=False)
    assert frechet_distance(b, a) == pytest.approx(float(reference.compute()), abs=1e-4)


def unbiased_mmd2(x: np.ndarray, y: np.ndarray) -> float:
    """MMD² with the kernel (x·y/d + 1)^3, diagonal terms left out (the unbiased estimate)."""
    d, m = x.shape[1], len(x)

    def k(p, q):
        return (p @ q.T / d + 1) ** 3

    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    off = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(off - 2 * kxy.mean())


def test_kid_is_the_unbiased_mmd_and_centred_on_zero_for_one_distribution():
    a, b = features(200, seed=4), features(200, seed=5)
    whole = kernel_inception_distance(a, b, subsets=1, size=200, seed=0)["kid"]
    assert whole == pytest.approx(unbiased_mmd2(a.numpy(), b.numpy()), rel=1e-9)
    same = [
        kernel_inception_distance(features(100, seed=s), features(100, seed=s + 50), 1, 100, 0)["kid"]
        for s in range(20)
    ]
    shifted = kernel_inception_distance(a, b + 3.0, 1, 200, 0)["kid"]
    assert abs(np.mean(same)) < 3 * np.std(same) / np.sqrt(len(same))  # unbiased: no positive offset
    assert shifted > 5 * np.std(same)  # a shifted set is far off


class Oracle(Segmenter):
    """A 'segmenter' whose logits put all weight on a fixed map of classes (the input labels, or a permutation)."""

    def __init__(self, classes: int, permutation: list[int] | None = None):
        super().__init__()
        self.classes, self.permutation = classes, permutation
        self.weight = torch.nn.Parameter(torch.zeros(()))
        self.labels: torch.Tensor | None = None

    def forward(self, images):
        labels = self.labels if self.permutation is None else torch.tensor(self.permutation)[self.labels]
        return torch.nn.functional.one_hot(labels, self.classes).permute(0, 3, 1, 2).float()


def score_with(segmenter: Oracle, labels: torch.Tensor) -> dict[str, float]:
    metric = SegmentationScore.__new__(SegmentationScore)
    metric.name, metric.network = "oracle", segmenter
    metric.reset()
    segmenter.labels = labels
    metric.update(EvalBatch(fake=torch.zeros(len(labels), 3, *labels.shape[-2:]), labels=labels))
    return metric.compute()


def test_a_segmenter_returning_the_labels_scores_one():
    labels = torch.randint(0, 4, (2, 8, 8), generator=torch.Generator().manual_seed(0))
    assert score_with(Oracle(4), labels) == {"miou": 1.0, "pixel_accuracy": 1.0}


def test_a_known_permutation_gives_the_hand_computed_score():
    # classes 0 and 1 swapped, 2 kept: 4 pixels of class 0, 4 of class 1, 8 of class 2
    labels = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 2, 2], [2, 2, 2, 2]]])
    result = score_with(Oracle(3, [1, 0, 2]), labels)
    assert result["pixel_accuracy"] == pytest.approx(8 / 16)
    assert result["miou"] == pytest.approx((0 + 0 + 1) / 3)  # IoU 0, 0 and 8/8


def test_confusion_leaves_out_the_ignored_pixels():
    target = torch.tensor([0, 1, 255, 1])
    predicted = torch.tensor([0, 0, 1, 1])
    assert confusion(predicted, target, 2, 255).tolist() == [[1, 0], [1, 1]]
    assert scores(confusion(predicted, target, 2, 255))["miou"] == pytest.approx((1 / 2 + 1 / 2) / 2)


@pytest.fixture(scope="module")
def standin_imagenet_inception(tmp_path_factory):
    """Stand-in (randomly initialised, not ImageNet) torchvision Inception-v3 weights in a file."""
    from torchvision.models import inception_v3

    path = tmp_path_factory.mktemp("weights") / "standin_inception_v3_imagenet.pth"
    torch.save(inception_v3(weights=None, aux_logits=True, init_weights=True).state_dict(), path)
    return path


def test_sifid_reads_the_192_channel_layer_and_its_formula_is_the_per_position_frechet(standin_imagenet_inception):
    network = sifid_network(str(standin_imagenet_inception))
    state = torch.load(standin_imagenet_inception, weights_only=True)
    assert torch.equal(network[-1].conv.weight, state["Conv2d_4a_3x3.conv.weight"])  # ends at Conv2d_4a_3x3
    with torch.no_grad():
        # the official block 1 at 128x160: 3x3/2 -> 63x79, 3x3 -> 61x77, padded 3x3, pool 3/2 -> 30x38, 3x3 -> 28x36
        assert network(torch.rand(1, 3, 128, 160) * 2 - 1).shape == (1, 192, 28, 36)

    metric = SIFID(file=str(standin_imagenet_inception))
    fake, real = torch.rand(1, 3, 128, 160), torch.rand(1, 3, 128, 160)
    metric.update(EvalBatch(fake=fake, real=real))
    quantized = [((t * 255).round() / 255 * 2 - 1) for t in (fake, real)]
    with torch.no_grad():
        maps = [network(q)[0].double() for q in quantized]
    rows = [m.flatten(1).T.numpy() for m in maps]
    assert metric.compute()["sifid"] == pytest.approx(closed_form_frechet(*rows), rel=1e-5)


def test_a_metric_without_its_weights_names_the_file_and_where_it_is_published(monkeypatch):
    from zoo.plugins.metrics.inception import FID

    monkeypatch.delenv("ZOO_INCEPTION_FID_WEIGHTS", raising=False)
    with pytest.raises(
        ConfigError, match=r"weights-inception-2015-12-05-6726825d\.pth.*--set fid\.file=.*github\.com/toshas"
    ):
        FID()


def test_zoo_list_metric_shows_the_built_in_metrics_and_segmenters():
    listed = CliRunner().invoke(app, ["list", "metric"])
    assert listed.exit_code == 0, listed.output
    for name in ("fid", "kid", "sifid", "lpips_diversity", "psnr", "ssim", "segmentation"):
        assert name in listed.output
    segmenters = CliRunner().invoke(app, ["list", "segmenter"])
    assert "drn_d_105_cityscapes" in segmenters.output and "torchvision" in segmenters.output


def test_zoo_eval_with_standin_inception_writes_metrics_json_and_the_card_shows_them(trained_run, tmp_path):
    """End to end, with stand-in (random, not the TF-ported) Inception weights saved by the test."""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    from torchvision.models import inception_v3

    weights = tmp_path / "standin_pt_inception.pth"
    torch.save(inception_v3(weights=None, aux_logits=False, init_weights=True, num_classes=1008).state_dict(), weights)
    FeatureExtractorInceptionV3("inception-v3-compat", ["2048"], str(weights))  # the file fits the real extractor
    model = trained_run / "model"
    result = CliRunner().invoke(
        app, ["eval", str(model), "--metric", "fid", "--metric", "psnr", "--set", f"fid.file={weights}", "--count", "8"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads((model / "metrics.json").read_text())
    values = {r["name"]: r["value"] for r in written["results"]}
    assert set(values) == {"fid", "psnr"} and values["fid"] > 0 and 0 < values["psnr"] < 100
    assert written["images"] == 8 and written["resolution"] == [32, 32]
    assert written["protocol"]["fid"]["weights"] == weights.name
    assert written["protocol"]["data"]["name"] == "synthetic" and written["protocol"]["data"]["size"] == 32
    assert len(written["protocol"]["fid"]["weights_sha256"]) == 64

    card = CliRunner().invoke(app, ["card", str(model)])
    assert card.exit_code == 0, card.output
    text = (model / "README.md").read_text() if (model / "README.md").exists() else card.output
    assert "model-index" in text and f"{values['fid']}" in text


def test_evaluation_during_training_logs_the_metric_and_keeps_the_best_model(tmp_path):
    from helpers import tiny_config

    import zoo
    from zoo.trainer.monitor import read_metrics

    config = tiny_config("eval.every=2", "eval.metric=psnr", "eval.count=4", "eval.best=psnr")
    zoo.train(config, out=tmp_path / "run")
    evals = [r for r in read_metrics(tmp_path / "run") if "eval" in r]
    assert [r["step"] for r in evals] == [2, 4, 6]  # 12 items left to train on: 3 iterations an epoch, 2 epochs
    best = json.loads((tmp_path / "run" / "best" / "step.json").read_text())
    assert best["psnr"] == max(r["eval"]["psnr"] for r in evals)
    assert zoo.load(tmp_path / "run" / "best") is not None


def test_a_best_value_no_metric_gives_fails_before_training(tmp_path):
    from helpers import tiny_config

    import zoo

    with pytest.raises(ConfigError, match=r"eval\.best='fid'"):
        zoo.train(tiny_config("eval.every=4", "eval.metric=psnr", "eval.best=fid"), out=tmp_path / "run")


def test_zoo_eval_of_singan_measures_samples_against_the_training_image(tmp_path, standin_imagenet_inception):
    """SIFID with stand-in (random, not ImageNet) Inception weights, on a tiny SinGAN."""
    from helpers import QUIET
    from PIL import Image

    import zoo
    from zoo.plugins.datasets.single_image import DEFAULT

    image = tmp_path / "tiny.png"
    Image.open(DEFAULT).convert("RGB").resize((80, 60), Image.Resampling.BICUBIC).save(image)
    overrides = [f"data.path={image}", "schedule.iterations=4", "schedule.decay_at=3", "G.nfc=8", "G.min_nfc=8", *QUIET]
    zoo.train(zoo.make_config("singan", overrides=overrides), out=tmp_path / "run")
    model = tmp_path / "run" / "model"

    def measure(*args: str) -> dict:
        result = CliRunner().invoke(app, ["eval", str(model), *args])
        assert result.exit_code == 0, result.output
        return json.loads((model / "metrics.json").read_text())

    sifid = ["-M", "sifid", "-M", "ssim", "--count", "3", "--set", f"sifid.file={standin_imagenet_inception}"]
    written = measure(*sifid)
    values = {r["name"]: r["value"] for r in written["results"]}
    assert values["sifid"] > 0 and -1 <= values["ssim"] <= 1
    assert written["images"] == 3 and written["resolution"] == [60, 80]
    assert measure(*sifid, "--set", "model.start_scale=1")["protocol"]["model"] == {"start_scale": 1}  # row N-1

    high = tmp_path / "high.png"  # super-resolution: the model's image x2, against a photo at that size
    Image.open(DEFAULT).convert("RGB").resize((160, 120), Image.Resampling.BICUBIC).save(high)
    written = measure("-M", "psnr", "--count", "2", "--set", "model.super_resolve=2", "--set", f"data.path={high}")
    assert written["resolution"] == [120, 160] and written["protocol"]["model"] == {"super_resolve": 2}
    assert 10 < written["results"][0]["value"] < 100

    wrong = CliRunner().invoke(app, ["eval", str(model), *sifid, "--set", "model.start=1"])
    assert isinstance(wrong.exception, ConfigError)
    offered = "(it has: model.start_scale, model.super_resolve)"
    assert f"model.start: this model's evaluation has no such option {offered}" in str(wrong.exception)


def test_a_metric_the_model_cannot_feed_is_refused_by_name(trained_run, tmp_path):
    """pix2pix on photos gives no label maps: the segmentation score (stand-in, random segmenter) is refused."""
    from torchvision.models.segmentation import lraspp_mobilenet_v3_large

    weights = tmp_path / "standin_lraspp.pth"
    torch.save(lraspp_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=3).state_dict(), weights)
    options = [
        "--set",
        "segmentation.options.model=lraspp_mobilenet_v3_large",
        "--set",
        "segmentation.options.classes=3",
    ]

    def run(file):
        args = ["eval", str(trained_run / "model"), "-M", "segmentation", *options]
        return CliRunner().invoke(app, [*args, "--set", f"segmentation.options.file={file}"])

    assert "/no.pth: no such file" in str(run("/no.pth").exception)
    result = run(weights)
    assert isinstance(result.exception, ConfigError)
    assert "metric segmentation needs labels" in str(result.exception)


def test_drn_d_105_loads_a_dataparallel_state_dict_upsamples_bilinearly_and_scores_in_train_ids(tmp_path):
    """A stand-in (random) DRN-D-105 state saved as the official DataParallel checkpoint."""
    from zoo.plugins.metrics.drn import DRNSegmenter, drn_d_105_cityscapes

    source = DRNSegmenter()
    path = tmp_path / "standin_drn_d_105.pth"
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, path)
    model = drn_d_105_cityscapes(str(path)).eval()
    assert all(
        torch.equal(a, b) for a, b in zip(model.state_dict().values(), source.state_dict().values(), strict=True)
    )
    with torch.no_grad():
        up = model.up(torch.ones(1, 19, 8, 8))
    assert up.shape[-2:] == (64, 64) and torch.allclose(up[..., 8:-8, 8:-8], torch.ones(1), atol=1e-6)  # bilinear
    assert model.target(torch.tensor([7, 26, 33, 0, 34])).tolist() == [0, 13, 18, 255, 255]
    assert model(torch.rand(1, 3, 32, 64)).shape == (1, 19, 32, 64)


def test_the_training_part_of_a_held_out_split_is_still_the_data_set_for_the_trainer():
    from zoo.trainer.evaluator import _Part

    class Data(torch.utils.data.Dataset):
        augment, epoch = True, 0

        def set_epoch(self, epoch):
            self.epoch = epoch

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i

    data = Data()
    part = _Part(data, range(3))
    part.set_epoch(5)
    part.augment = False
    assert (data.epoch, data.augment, len(part), part[2]) == (5, False, 3, 2)


class Collecting(Metric):
    """Counts what it is fed (built once, reset before every run)."""

    needs = ("variants",)
    higher_is_better: ClassVar[dict[str, bool]] = {"seen": True}

    def __init__(self):
        self.reset()

    def reset(self):
        self.seen = 0

    def update(self, batch):
        self.seen += len(batch.fake)

    def compute(self):
        return {"seen": float(self.seen)}


def test_a_model_whose_outputs_do_not_vary_is_refused_for_diversity_and_a_metric_resets_between_runs():
    from test_messages import tiny_spade

    from zoo.evaluation import evaluate

    class Labels(torch.utils.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return {"label": torch.full((1, 64, 64), i, dtype=torch.long), "target": torch.zeros(3, 64, 64)}

    plain = tiny_spade()  # no VAE: every seed gives the same image
    with pytest.raises(ConfigError, match="metric diversity needs variants"):
        evaluate(plain, Labels(), {"diversity": Collecting()}, "labels", variants=2, progress=False)
    vae = tiny_spade("G.use_vae=true")
    metric = Collecting()
    for _ in range(2):
        assert evaluate(vae, Labels(), {"diversity": metric}, "labels", variants=2, progress=False).values == {
            "seen": 2.0
        }


def test_kid_records_the_subset_size_it_measured_with():
    from zoo.plugins.metrics.inception import KID

    kid = KID.__new__(KID)
    kid.subsets, kid.subset_size, kid.seed, kid.weights = 1, 1000, 0, {}
    kid.reset()
    kid.fake, kid.real = [features(30, seed=1)], [features(30, seed=2) + 0.5]
    assert kid.protocol()["subset_size"] == 30  # all of the 30 images, not the 1000 asked for
    assert kid.compute()["kid"] == pytest.approx(unbiased_mmd2(kid.fake[0].numpy(), kid.real[0].numpy()), rel=1e-9)


def on_the_uint8_grid(*shape: int, seed: int) -> torch.Tensor:
    """Images in [0, 1] a PNG holds exactly, so the metrics' quantization leaves them as they are."""
    return torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(seed)).double() / 255


def test_psnr_and_ssim_are_the_textbook_values_on_hand_made_pairs():
    from zoo.plugins.metrics.pixels import PSNR, SSIM

    real = on_the_uint8_grid(2, 3, 32, 32, seed=0)
    fake = real.clone()
    fake[0] = (fake[0] + 8 / 255).clamp(max=1)  # image 0 off by 8 levels (less where it clips)
    fake[1, :, :16] = 1 - fake[1, :, :16]  # image 1: the top half inverted
    mse = ((fake - real) ** 2).mean(dim=(1, 2, 3))
    psnr = PSNR()
    psnr.update(EvalBatch(fake=fake.float(), real=real.float()))
    assert psnr.compute()["psnr"] == pytest.approx(float((10 * torch.log10(1 / mse)).mean()), rel=1e-6)
    same = SSIM()
    same.update(EvalBatch(fake=real.float(), real=real.float()))
    assert same.compute()["ssim"] == pytest.approx(1.0, abs=1e-9)
    off = SSIM()
    off.update(EvalBatch(fake=fake.float(), real=real.float()))
    assert 0 < off.compute()["ssim"] < 0.99


def test_lpips_diversity_is_the_lpips_formula_on_standin_alexnet_features(tmp_path):
    """LPIPS v0.1 written out here (scaling, AlexNet's five ReLUs, unit-normalized channels, the
    linear layers, spatial mean, sum) on a stand-in (random, not ImageNet) AlexNet saved by the test."""
    from torchvision.models import alexnet

    from zoo.plugins.metrics.lpips import LPIPSDiversity

    torch.manual_seed(0)
    backbone = alexnet(weights=None).eval()
    file = tmp_path / "standin-alexnet.pth"
    torch.save(backbone.state_dict(), file)
    metric = LPIPSDiversity(file=str(file))
    a, b, c = (on_the_uint8_grid(1, 3, 64, 64, seed=s).float() for s in (1, 2, 3))
    metric.update(EvalBatch(fake=a, variants=[b, c]))

    shift = torch.tensor([-0.030, -0.088, -0.188])[None, :, None, None]
    scale = torch.tensor([0.458, 0.448, 0.450])[None, :, None, None]
    ends = (2, 5, 8, 10, 12)  # after relu1 .. relu5 of torchvision's AlexNet features
    lins = [getattr(metric.network, f"lin{k}").model[1].weight for k in range(5)]

    def relus(x):
        x, out, layer = (2 * x - 1 - shift) / scale, [], 0
        for end in ends:
            for index in range(layer, end):
                x = backbone.features[index](x)
            out.append(x)
            layer = end
        return out

    def lpips(x, y):
        total = 0.0
        for fx, fy, w in zip(relus(x), relus(y), lins, strict=True):
            nx, ny = (f / torch.sqrt(1e-8 + (f**2).sum(1, keepdim=True)) for f in (fx, fy))
            total += float(((nx - ny) ** 2 * w.view(1, -1, 1, 1)).sum(1).mean())
        return total

    with torch.no_grad():
        expected = np.mean([lpips(a, b), lpips(a, c), lpips(b, c)])
    assert metric.compute()["lpips_diversity"] == pytest.approx(expected, rel=1e-4)
    assert expected > 0
