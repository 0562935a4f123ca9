"""The Hub with the real ``huggingface_hub`` client against a loopback server (tests/hubserver.py):
push, load by repository id and registered name, offline with warm and cold caches, broken files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
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
    measured = {"results": [{"name": "fid", "value": 12.5, "dataset": "facades"}], "images": 8}
    (tmp_path / "model" / "metrics.json").write_text(json.dumps(measured))  # as zoo eval writes it
    result = CliRunner().invoke(app, ["push", str(tmp_path / "model"), "me/exported", "--samples", "0"])
    assert result.exit_code == 0, result.output
    files = hub.files("me/exported")
    assert json.loads(files["metrics.json"]) == measured
    assert "model-index" in files["README.md"].decode() and "value: 12.5" in files["README.md"].decode()
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


def test_save_pretrained_with_push_to_hub_writes_uploads_and_returns_the_commit(hub, tmp_path):
    pipe = tiny_pix2pix()
    card = {"summary": "A tiny test model."}
    url = pipe.save_pretrained(tmp_path / "model", push_to_hub=True, repo_id="me/saved", samples=0,
                               model_card_kwargs=card)  # fmt: skip
    assert "A tiny test model." in (tmp_path / "model" / "README.md").read_text()
    files = hub.files("me/saved")
    assert {"config.json", "model.safetensors", "README.md"} <= set(files)
    assert "A tiny test model." in files["README.md"].decode() and hub.head("me/saved") in url
    assert torch.equal(zoo.load("me/saved")(IMAGE, output_type="pt"), pipe(IMAGE, output_type="pt"))


def test_a_push_to_a_new_branch_creates_it_and_a_pull_request_leaves_main_alone(hub, tmp_path):
    pipe = tiny_pix2pix()
    pipe.push_to_hub("me/p2p", samples=0)
    main = hub.head("me/p2p")
    pipe.save_pretrained(tmp_path / "model")
    for _ in range(2):  # the second push finds the branch there
        result = CliRunner().invoke(
            app, ["push", str(tmp_path / "model"), "me/p2p", "--branch", "trial", "--samples", "0"]
        )
        assert result.exit_code == 0, result.output
    assert hub.branches("me/p2p") == ["main", "trial"] and hub.head("me/p2p") == main
    assert zoo.load("me/p2p", revision="trial").config.arch == "pix2pix"

    with torch.no_grad():
        pipe.nets["G"].model.model[0].weight.mul_(2)
    url = pipe.push_to_hub("me/p2p", create_pr=True, samples=0)
    [pr] = hub.pull_requests("me/p2p")
    assert url.endswith("/discussions/1") and pr.ref == "refs/pr/1" and hub.head("me/p2p") == main
    changed = zoo.load("me/p2p", revision="refs/pr/1")(IMAGE, output_type="pt")
    assert torch.equal(changed, pipe(IMAGE, output_type="pt"))
    assert not torch.equal(zoo.load("me/p2p")(IMAGE, output_type="pt"), changed)


def test_loading_fetches_only_the_files_its_loader_reads(hub):
    pipe = tiny_pix2pix()
    pipe.push_to_hub("me/p2p", samples=2, exports=["onnx"])
    assert {"model.onnx", "samples.png", "README.md"} <= set(hub.files("me/p2p"))
    loaded = zoo.load("me/p2p")
    assert hub.downloaded("me/p2p") == {"config.json", "model.safetensors", "provenance.json"}
    exported = zoo.load("me/p2p", artifact="model.onnx")
    assert hub.downloaded("me/p2p") == {"config.json", "model.safetensors", "provenance.json", "model.onnx"}
    assert type(exported.nets["G"]).__name__ == "OnnxGraph"
    torch.testing.assert_close(exported(IMAGE, output_type="pt"), loaded(IMAGE, output_type="pt"), atol=1e-3, rtol=0)
    with pytest.raises(zoo.ZooError, match=r"me/p2p has no model\.fp16\.onnx: export it first"):
        zoo.load("me/p2p", artifact="model.fp16.onnx")


def test_a_gated_or_private_repository_says_that_access_is_needed_and_how(hub, monkeypatch):
    folder = {"config.json": b"{}", "model.safetensors": b""}
    hub.create_repo("owner/gated", gated="manual")
    hub.commit("owner/gated", folder)
    with pytest.raises(
        zoo.ZooError, match=r"owner/gated on http://127.0.0.1:\d+ is gated: request access on .*hf auth"
    ):
        zoo.load("owner/gated")
    hub.create_repo("owner/private", private=True)
    hub.commit("owner/private", folder)
    with pytest.raises(zoo.ZooError, match=r"if it is private, the token in use .* has no access to it"):
        zoo.load("owner/private")
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)  # no login of this machine's user counts
    with pytest.raises(zoo.ZooError, match=r"if it is private, reading it needs a login: `hf auth login`"):
        zoo.load("owner/private")


def test_a_push_publishes_no_path_of_the_uploaders_machine(hub, tmp_path):
    root = tmp_path / "datasets" / "facades"
    overrides = ["G.ngf=4", "D.ndf=4", "G.init_type=kaiming", f"data.root={root}", "loss.l1.weight=100"]
    config = zoo.make_config("pix2pix", data="aligned", overrides=overrides)
    registry = zoo.get_registry()
    arch = registry.get("architecture", "pix2pix").obj
    pipe = arch.pipeline(config, arch.build_nets(config, registry, ["G"]), device="cpu")
    pipe.push_to_hub("me/public", samples=0, exports=["onnx"])
    files = hub.files("me/public")
    for name in ("config.json", "README.md"):
        assert str(tmp_path) not in files[name].decode(), name
    onnx_metadata = files["model.onnx"]
    assert str(tmp_path).encode() not in onnx_metadata
    published = json.loads(files["config.json"])
    assert published["data"]["name"] == "aligned" and published["data"]["root"] == "facades"
    assert zoo.load("me/public").config.data.options["root"] == "facades"


def test_a_push_removes_what_an_earlier_push_left_and_this_one_does_not_renew(hub):
    pipe = tiny_pix2pix()
    pipe.push_to_hub("me/p2p", samples=2, exports=["onnx"])
    assert {"provenance.json", "samples.png", "model.onnx", "model.onnx.json"} <= set(hub.files("me/p2p"))
    pipe.provenance = {}
    pipe.push_to_hub("me/p2p", samples=0)
    assert not {"provenance.json", "samples.png", "model.onnx", "model.onnx.json"} & set(hub.files("me/p2p"))


def test_save_and_push_take_the_mixins_arguments_and_refuse_what_they_cannot_honour(hub, tmp_path):
    pipe = tiny_pix2pix()
    with pytest.raises(zoo.ConfigError, match="a zoo model writes its own configuration"):
        pipe.save_pretrained(tmp_path / "a", config={"ngf": 8})
    with pytest.raises(zoo.ZooError, match="save_pretrained got samples, which only a push takes"):
        pipe.save_pretrained(tmp_path / "b", samples=0)
    own = pipe.config.to_dict()
    pipe.save_pretrained(tmp_path / "c", push_to_hub=True, repo_id="me/c", config=own, samples=0)
    assert "model.safetensors" in hub.files("me/c")
    with torch.no_grad():  # a change to propose (the Hub makes no pull request of an unchanged folder)
        pipe.nets["G"].model.model[0].weight.mul_(2)
    pipe.save(tmp_path / "c")
    args = ["push", str(tmp_path / "c"), "me/c", "--create-pr", "--samples", "0"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.output.strip().endswith("/discussions/1"), result.output
