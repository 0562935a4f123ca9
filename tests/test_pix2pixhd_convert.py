"""`zoo convert` for official pix2pixHD files: generators, the encoder and the cluster file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import narrow, random_state, read_reference, state_from_reference
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.convert import convert
from zoo.errors import CheckpointError


@pytest.mark.parametrize(
    ("reference", "name"),
    [("keys_pix2pixHD_global.txt", "pix2pixhd_global"), ("keys_pix2pixHD_local.txt", "pix2pixhd_local")],
)
def test_official_generators_convert_completely_and_run(tmp_path, reference, name):
    official = state_from_reference(reference)
    torch.save(official, tmp_path / "latest_net_G.pth")
    pipe, conversion = convert("pix2pixhd", [tmp_path / "latest_net_G.pth"])
    assert pipe.config.nets["G"].name == name and pipe.config.data.options["label_nc"] == 35
    assert set(conversion.state) == {f"G.{k}" for k in official}
    ours = pipe.nets["G"].state_dict()
    assert set(ours) == set(official) and all(torch.equal(ours[k], official[k]) for k in official)
    labels = torch.randint(0, 35, (64, 64))  # one map; a 4-D tensor would be a batch
    assert pipe(labels, output_type="pt").shape == (3, 64, 64)


def _official_files(tmp_path):
    torch.save(state_from_reference("keys_pix2pixHD_global.txt"), tmp_path / "latest_net_G.pth")
    torch.save(state_from_reference("keys_pix2pixHD_encoder.txt"), tmp_path / "latest_net_E.pth")
    clusters = {7: np.random.default_rng(0).normal(size=(10, 3)), 26: np.ones((4, 3))}
    np.save(tmp_path / "features_clustered_010.npy", clusters)  # a pickled dict, as the official script writes
    return [tmp_path / "latest_net_G.pth", tmp_path / "latest_net_E.pth", tmp_path / "features_clustered_010.npy"]


def test_generator_with_encoder_and_clusters(tmp_path):
    files = _official_files(tmp_path)
    pipe, _ = convert("pix2pixhd", files, allow_pickle=True)  # G's 36 inputs: 32 classes, edges, 3 features
    assert pipe.config.model.instance_features and pipe.config.data.options["label_nc"] == 32
    encoder = pipe.nets["E"]
    assert encoder.counts[7] == 10 and encoder.counts[26] == 4 and encoder.counts.sum() == 14
    assert torch.allclose(encoder.centres[26, :4], torch.ones(4, 3))
    labels, instances = torch.full((32, 64), 26), torch.full((32, 64), 26001)
    out = pipe(labels, instances, style={26001: 3}, output_type="pt")
    assert out.shape == (3, 32, 64)


def test_the_cluster_file_needs_consent_to_unpickle(tmp_path):
    with pytest.raises(CheckpointError, match=r"features_clustered_010\.npy is a pickled dict.*--allow-pickle"):
        convert("pix2pixhd", _official_files(tmp_path))


def test_a_generator_is_required(tmp_path):
    files = _official_files(tmp_path)
    with pytest.raises(CheckpointError, match="pix2pixHD imports one generator"):
        convert("pix2pixhd", files[1:], allow_pickle=True)


def global_keys(input_nc: int) -> dict[str, tuple[tuple[int, ...], str]]:
    """``keys_pix2pixHD_global.txt`` (ngf 64, 36 inputs) 16 times narrower and taking ``input_nc``
    channels, as the official ``define_G(input_nc, 3, 4, 'global', 4, 9)`` lays it out."""
    keys = {k: (narrow(shape), dtype) for k, (shape, dtype) in read_reference("keys_pix2pixHD_global.txt").items()}
    keys["model.1.weight"] = ((4, input_nc, 7, 7), "float32")
    return keys


def test_a_no_instance_model_is_not_taken_silently_for_classes_and_edges(tmp_path):
    """A Cityscapes model trained with --no_instance takes 35 channels: 35 classes. The width alone
    also fits 34 classes + instance edges, the official default, which is assumed and said; either
    setting then decides the other, and a pair that contradicts the width fails, naming the fix."""
    torch.save(random_state(global_keys(35)), tmp_path / "latest_net_G.pth")
    files = [tmp_path / "latest_net_G.pth"]
    pipe, conversion = convert("pix2pixhd", files)
    assert (pipe.config.model.label_nc, pipe.config.model.edges) == (34, True)
    assert list(conversion.notes) == ["model.instance_edges"]
    assert "--set model.instance_edges=false (35 classes)" in " ".join(conversion.notes["model.instance_edges"].split())
    for settings in (["model.instance_edges=false"], ["data.label_nc=35"]):
        pipe, conversion = convert("pix2pixhd", files, settings)
        assert (pipe.config.model.label_nc, pipe.config.model.edges, conversion.notes) == (35, False, {}), settings
        labels = torch.arange(32 * 64).reshape(32, 64) % 35  # every class
        with torch.no_grad():
            expected = pipe.nets["G"](torch.nn.functional.one_hot(labels, 35).permute(2, 0, 1)[None].float())
        assert torch.allclose(pipe(labels, output_type="pt") * 2 - 1, expected[0], atol=1e-6)  # no edge channel
    with pytest.raises(
        zoo.ZooError,
        match=r"35 label channels in the official weights, but 34 classes = 34 from --set.*data\.label_nc=35",
    ):
        convert("pix2pixhd", files, ["data.label_nc=34", "model.instance_edges=false"])
    result = CliRunner().invoke(app, ["convert", str(files[0]), "--arch", "pix2pixhd", "--out", str(tmp_path / "m")])
    assert result.exit_code == 0 and "note on model.instance_edges" in result.output


def test_the_split_leaves_the_encoders_features_and_resizes_its_class_styles(tmp_path):
    files = _official_files(tmp_path)  # G takes 36: classes + edges + 3 features
    pipe, conversion = convert("pix2pixhd", files, ["model.instance_edges=false"], allow_pickle=True)
    assert (pipe.config.data.options["label_nc"], pipe.config.model.edges, conversion.notes) == (33, False, {})
    encoder = pipe.nets["E"]
    assert encoder.centres.shape == (33, 10, 3) and encoder.counts[7] == 10 and encoder.counts[26] == 4
    assert torch.allclose(encoder.centres[26, :4], torch.ones(4, 3))
    with pytest.raises(zoo.ZooError, match=r"G's first layer \(less 3 features\): 33 label channels"):
        convert("pix2pixhd", files, ["model.instance_edges=true", "data.label_nc=35"], allow_pickle=True)
