"""The Hub with the real ``huggingface_hub`` client against a loopback server (tests/hubserver.py):
push, load by repository id and registered name, offline with warm and cold caches, broken files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hubserver import HubServer
from huggingface_hub import constants
from typer.testing import CliRunner

import zoo
from zoo.cli import app
from zoo.registry import Registry
from zoo.saved import assemble

IMAGE = np.random.default_rng(0).integers(0, 255, (256, 256, 3), dtype=np.uint8)


def tiny_pix2pix() -> zoo.Pipeline:
    registry = zoo.get_registry()
    config = zoo.make_config("pix2pix", overrides=["G.ngf=4", "D.ndf=4", "G.init_type=kaiming", "data.size=256"])
    model = registry.get("architecture", "pix2pix").obj(config, registry)
    state = {f"G.{k}": v for k, v in model.nets["G"].state_dict().items()}
    pipe = assemble(config, state, "random weights", registry, device="cpu")
    pipe.provenance = {"source": "a test", "license": "mit"}
    return pipe


@pytest.fixture
def hub(tmp_path, monkeypatch):
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_TOKEN", "test-token")
    with HubServer(tmp_path / "hub") as server:
        server.patch_client(monkeypatch)
        yield server


def registry_naming(name: str, repo_id: str) -> Registry:
    class Plugin:
        @zoo.hookimpl
        def zoo_pretrained_models(self):
            return {name: zoo.PretrainedModel(repo_id=repo_id, arch="pix2pix", license="mit")}

    registry = Registry()
    registry.register(Plugin(), name="test-names")
    return registry


def test_a_pushed_model_loads_back_by_repo_id_revision_and_registered_name(hub):
    pipe = tiny_pix2pix()
    pipe.push_to_hub("me/p2p", samples=2)
    files = hub.files("me/p2p")
    assert {"config.json", "model.safetensors", "provenance.json", "README.md", "samples.png"} <= set(files)
    assert "license: mit" in files["README.md"].decode()
    expected = pipe(IMAGE, output_type="pt")
    assert torch.equal(zoo.load("me/p2p")(IMAGE, output_type="pt"), expected)
    first = hub.head("me/p2p")
    with torch.no_grad():
        pipe.nets["G"].model.model[0].weight.mul_(2)
    pipe.push_to_hub("me/p2p", samples=0)
    assert not torch.equal(zoo.load("me/p2p")(IMAGE, output_type="pt"), expected)
    assert torch.equal(zoo.load("me/p2p", revision=first)(IMAGE, output_type="pt"), expected)
    named = zoo.load("tiny-p2p", revision=first, registry=registry_naming("tiny-p2p", "me/p2p"))
    assert torch.equal(named(IMAGE, output_type="pt"), expected)
    assert zoo.Pipeline.from_pretrained("me/p2p", revision=first).config.arch == "pix2pix"


def test_offline_a_warm_cache_serves_without_asking_and_a_cold_one_says_what_to_do(hub, tmp_path, monkeypatch):
    tiny_pix2pix().push_to_hub("me/p2p", samples=0)
    zoo.load("me/p2p")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    asked = len(hub.requests)
    assert zoo.load("me/p2p").config.arch == "pix2pix"
    assert len(hub.requests) == asked  # nothing asked of the server
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(zoo.ZooError, match=r"me/p2p is not in the Hugging Face cache, and offline \(HF_HUB_OFFLINE"):
        zoo.load("me/p2p")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    hub.stop()
    with pytest.raises(
        zoo.ZooError, match=r"not in the Hugging Face cache, and the Hub \(http://127.0.0.1:\d+\) could"
    ):
        zoo.load("me/p2p")


def test_names_that_resolve_to_nothing_say_what_was_tried(hub):
    with pytest.raises(zoo.ZooError, match=r"zoo convert FILES --arch spade --like spade-cityscapes"):
        zoo.load("spade-cityscapes")  # registered, not on this Hub
    with pytest.raises(zoo.ZooError, match="no repository me/missing"):
        zoo.load("me/missing")
    with pytest.raises(zoo.ZooError, match="closest: spade-cityscapes"):
        zoo.load("spade-citiscapes")


def test_corrupted_or_truncated_weights_fail_cleanly(hub):
    tiny_pix2pix().push_to_hub("me/p2p", samples=0)
    weights = hub.files("me/p2p")["model.safetensors"]
    hub.commit("me/p2p", {"model.safetensors": weights[: len(weights) // 2]})
    with pytest.raises(zoo.CheckpointError, match="corrupt or truncated"):
        zoo.load("me/p2p")
    hub.commit("me/p2p", {"model.safetensors": b"\x00" * 64})
    with pytest.raises(zoo.CheckpointError, match="corrupt or truncated"):
        zoo.load("me/p2p")


def test_zoo_push_with_onnx_and_zoo_card(hub, tmp_path):
    pipe = tiny_pix2pix()
    pipe.provenance = {"source": "NVlabs/SPADE released checkpoints", "license": "cc-by-nc-sa-4.0"}
    pipe.save_pretrained(tmp_path / "model")
    result = CliRunner().invoke(app, ["push", str(tmp_path / "model"), "me/exported", "--onnx", "--samples", "2"])
    assert result.exit_code == 0, result.output
    files = hub.files("me/exported")
    assert {"model.onnx", "model.onnx.json"} <= set(files)
    card = files["README.md"].decode()
    assert "license: cc-by-nc-sa-4.0" in card and "forbids commercial use" in card
    assert "| `model.onnx` | onnx | fp32 | yes |" in card and 'zoo.load("me/exported")' in card
    pipe.push_to_hub("me/exported", samples=0)  # without --onnx: the old export must not linger
    assert not {"model.onnx", "model.onnx.json", "samples.png"} & set(hub.files("me/exported"))
    result = CliRunner().invoke(app, ["card", str(tmp_path / "model")])
    assert result.exit_code == 0 and "Converted from NVlabs/SPADE released checkpoints" in result.output
    result = CliRunner().invoke(app, ["card", "me/exported"])
    assert result.exit_code == 0 and 'zoo.load("me/exported")' in result.output


def test_a_singan_model_pushes_with_its_samples(hub, tmp_path):
    from PIL import Image

    from zoo.plugins.datasets.single_image import DEFAULT

    Image.open(DEFAULT).convert("RGB").resize((40, 30)).save(tmp_path / "tiny.png")
    registry = zoo.get_registry()
    config = zoo.make_config("singan", overrides=[f"data.path={tmp_path / 'tiny.png'}", "G.nfc=8", "G.min_nfc=8"])
    model = registry.get("architecture", "singan").obj(config, registry)
    pipe = assemble(config, {f"G.{k}": v for k, v in model.nets["G"].state_dict().items()}, "x", registry, "cpu")
    pipe.push_to_hub("me/singan", samples=3)
    files = hub.files("me/singan")
    assert "samples.png" in files and "pipeline_tag: unconditional-image-generation" in files["README.md"].decode()
    assert len(zoo.load("me/singan").nets["G"]) == 3
