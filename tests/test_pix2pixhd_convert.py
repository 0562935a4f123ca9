"""`zoo convert` for official pix2pixHD files: generators, the encoder and the cluster file."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import state_from_reference

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
