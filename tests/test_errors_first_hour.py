"""Errors of a first hour that were tracebacks: a full disk or a read-only folder while
checkpointing, exporting or resuming, a negative network width, a run killed before its first
checkpoint. Each is one line that names the folder or option and says what to do.

Tests run as root, which ignores permissions: read-only folders and full disks are simulated by
making the write raise what the system call would (``OSError(errno.EROFS, ...)``)."""

from __future__ import annotations

import errno
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated

import pytest
import safetensors.torch
import torch
from helpers import TINY, tiny_config
from pydantic import Field

import zoo
from zoo import checkpoint
from zoo.checkpoint import CheckpointStore, Position, find_checkpoint
from zoo.cli import main
from zoo.errors import CheckpointError, ConfigError, ZooError
from zoo.exporting.export import export_pipeline
from zoo.exporting.exporter import ExportError
from zoo.files import WriteError, writable
from zoo.options import bounded, factory_options
from zoo.registry import Registry
from zoo.trainer.monitor import read_metrics

TORCH_FULL = "[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534"
"""What torch.save raises on a full disk (seen on a full tmpfs): no errno, no "No space left"."""


def _sets(*overrides: str) -> list[str]:
    return [arg for override in overrides for arg in ("--set", override)]


def _cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """``zoo ARGS`` through the script's entry point: its exit code and the last line it wrote to
    stderr (the error, after what training said), checked to be the only line of an error."""
    monkeypatch.setattr(sys, "argv", ["zoo", *args])
    with pytest.raises(SystemExit) as done:
        main()
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines() or [""]
    assert not any(line.startswith("error:") for line in lines[:-1]), err
    return done.value.code, lines[-1]


def _one_line(message: str) -> str:
    assert "\n" not in message.strip() and "Traceback" not in message, message
    return message


def _disk_full(monkeypatch) -> None:
    """``shutil.disk_usage`` as on a full disk (it is read to tell a full disk behind torch's error)."""
    monkeypatch.setattr(shutil, "disk_usage", lambda path: SimpleNamespace(total=1 << 30, used=1 << 30, free=0))


def _save(store: CheckpointStore, step: int) -> Path:
    weights = {"G.weight": torch.zeros(4, 4)}
    return store.save(Position(0, step, step, step * 4), "train", weights, {"step": step}, tiny_config())


def _partial_then(exc: BaseException):
    """A writer that writes part of its file, then fails with ``exc`` (as on a full disk)."""

    def write(obj, path, *args, **kwargs):
        Path(path).write_bytes(b"\0" * 100)
        raise exc

    return write


# --- a full disk (or read-only folder) while checkpointing ----------------------------------------
@pytest.mark.parametrize(
    ("writer", "exc", "cause"),
    [
        ("save_file", OSError(errno.ENOSPC, "No space left on device"), "no space left on device at"),
        (
            "save_file",
            Exception("Error while serializing: I/O error: No space left on device (os error 28)"),
            "no space",
        ),
        ("torch.save", RuntimeError(TORCH_FULL), "no space left on device at"),
        ("torch.save", OSError(errno.EROFS, "Read-only file system"), "is on a read-only file system"),
    ],
)
def test_a_failed_checkpoint_write_is_one_line_and_leaves_no_partial_folder(tmp_path, monkeypatch, writer, exc, cause):
    store = CheckpointStore(tmp_path / "run" / "checkpoints", 3)
    kept = _save(store, 2)
    if writer == "save_file":
        monkeypatch.setattr(safetensors.torch, "save_file", _partial_then(exc))
    else:
        monkeypatch.setattr(checkpoint.torch, "save", _partial_then(exc))
    _disk_full(monkeypatch)
    with pytest.raises(WriteError) as err:
        _save(store, 4)
    message = _one_line(str(err.value))
    assert isinstance(err.value, ZooError) and isinstance(err.value, OSError)
    assert f"cannot write checkpoint step-00000004 into {store.folder}: " in message and cause in message
    assert str(store.folder) in message
    if "space" in cause:
        assert err.value.errno == errno.ENOSPC
        assert "free space there or lower train.keep_checkpoints (now 3)" in message
    assert f"continue with zoo train --resume {tmp_path / 'run'}" in message and "--out OTHER" in message
    assert [p.name for p in store.folder.iterdir()] == [kept.name]  # no .tmp-step-* keeping the disk full


def test_an_error_that_is_no_failed_write_still_removes_the_partial_folder(tmp_path, monkeypatch):
    store = CheckpointStore(tmp_path / "checkpoints", 1)
    monkeypatch.setattr(checkpoint.torch, "save", _partial_then(TypeError("cannot pickle 'generator' object")))
    with pytest.raises(TypeError, match="cannot pickle"):
        _save(store, 2)
    assert not list(store.folder.iterdir())


def test_a_full_disk_during_training_is_one_line_on_the_command_line(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    monkeypatch.setattr(safetensors.torch, "save_file", _partial_then(OSError(errno.ENOSPC, "No space left on device")))
    code, err = _cli(monkeypatch, capsys, "train", "--arch", "pix2pix", "--out", str(run), *_sets(*TINY))
    assert code == 2, err
    assert _one_line(err).startswith("error: cannot write checkpoint step-00000008 into ")
    assert "no space left on device at" in err and "free space there" in err
    assert f"then start again with zoo train --config {run / 'config.yaml'} --out {run};" in err  # none to resume
    assert not list((run / "checkpoints").glob(".tmp-*"))


# --- --set G.ngf=-8 --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("G.ngf=-8", "G (generator 'unet_256').ngf=-8: Input should be greater than or equal to 1"),
        ("G.ngf=0", "ngf=0: Input should be greater than or equal to 1"),
        ("D.n_layers=-1", "D (discriminator 'patchgan').n_layers=-1: Input should be greater than or equal to 0"),
        ("data.seed=-1", "data (dataset 'synthetic').seed=-1: Input should be greater than or equal to 0"),
    ],
)
def test_integer_options_get_the_bounds_their_defaults_imply(override, message):
    with pytest.raises(ConfigError) as err:
        zoo.make_config("pix2pix", overrides=[override])
    assert message in _one_line(str(err.value))


def test_a_factory_s_own_bound_and_a_negative_default_are_left_alone():
    def factory(
        shift: Annotated[int, Field(ge=-4, description="may be negative")] = 2,
        offset: int = -1,
        maybe: int | None = 3,
        flag: bool = True,
        width: int = 64,
    ) -> None: ...

    params = factory_options(factory)
    assert zoo.options.typed("f.shift", bounded(params["shift"]), -4) == -4
    assert zoo.options.typed("f.offset", bounded(params["offset"]), -7) == -7
    assert bounded(params["maybe"]) is params["maybe"].annotation and bounded(params["flag"]) is bool
    with pytest.raises(ConfigError, match=r"f\.width=-8: Input should be greater than or equal to 1"):
        zoo.options.typed("f.width", bounded(params["width"]), -8)
    assert zoo.make_config("pix2pix", overrides=["G.ngf=1", "data.seed=0"]).nets["G"].options["ngf"] == 1


def test_a_negative_width_fails_on_the_command_line_before_anything_is_built(monkeypatch, capsys):
    code, err = _cli(monkeypatch, capsys, "train", "--arch", "pix2pix", "--set", "G.ngf=-8", "--print-config")
    assert code == 2
    assert _one_line(err).strip() == (
        "error: G (generator 'unet_256').ngf=-8: Input should be greater than or equal to 1"
    )


# --- --resume of a run killed before its first checkpoint, or of no folder at all ---------------
def test_resuming_a_folder_that_does_not_exist_says_so(tmp_path, monkeypatch, capsys):
    (tmp_path / "pix2pix-facades").mkdir()
    with pytest.raises(CheckpointError) as err:
        find_checkpoint(tmp_path / "pix2pix-facade")
    missing = tmp_path / "pix2pix-facade"
    assert _one_line(str(err.value)) == (
        f"no such run folder: {missing} (did you mean {tmp_path / 'pix2pix-facades'}?); "
        f"start a new run with zoo train --arch ARCH --out {missing}"
    )
    code, err = _cli(monkeypatch, capsys, "train", "--resume", str(tmp_path / "elsewhere"))
    assert code == 2 and _one_line(err).startswith(f"error: no such run folder: {tmp_path / 'elsewhere'};")


def test_a_run_killed_before_its_first_checkpoint_says_how_to_start_it_again(tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"  # what a run killed during its first phase leaves
    run.mkdir()
    tiny_config().save(run / "config.yaml")
    (run / "metrics.jsonl").write_text('{"step": 1, "loss": 1.0}\n{"step": 2, "lo')
    (run / "checkpoints" / ".tmp-step-00000008-4242").mkdir(parents=True)
    (run / "checkpoints" / ".tmp-step-00000008-4242" / "model.safetensors").write_bytes(b"\0" * 10)

    code, err = _cli(monkeypatch, capsys, "train", "--resume", str(run))
    assert code == 2
    fix = f"zoo train --config {run / 'config.yaml'} --out {run}"
    assert _one_line(err).strip() == (
        f"error: {run} holds no finished checkpoint (none in {run / 'checkpoints'}): the run stopped before its "
        f"first; train it again from the start with {fix}"
    )
    code, err = _cli(monkeypatch, capsys, *fix.split()[1:])  # the command it suggests works
    assert code == 0, err
    assert [p.name for p in (run / "checkpoints").iterdir()] == ["step-00000008"]
    assert [m["step"] for m in read_metrics(run)] == list(range(1, 9))

    (tmp_path / "empty").mkdir()
    with pytest.raises(CheckpointError, match="holds no finished checkpoint and is no run folder"):
        find_checkpoint(tmp_path / "empty")
    finished = tmp_path / "finished"  # train.final=weights: the checkpoints went, the model stayed
    (finished / "model").mkdir(parents=True)
    (finished / "model" / "config.json").write_text("{}")
    tiny_config().save(finished / "config.yaml")
    with pytest.raises(CheckpointError, match=r"is a finished run that kept only its model .*--out NEW$"):
        find_checkpoint(finished)


# --- a read-only folder: exporting, and before resuming -----------------------------------------
def _read_only(monkeypatch, folder: Path) -> None:
    """Creating a file in ``folder`` fails as on a read-only file system."""
    make = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).resolve() == folder.resolve():
            raise OSError(errno.EROFS, "Read-only file system", str(Path(dir) / "probe"))
        return make(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)


def test_exporting_into_a_read_only_run_folder_is_one_line_before_any_work(trained_run, monkeypatch, capsys):
    _read_only(monkeypatch, trained_run)
    code, err = _cli(monkeypatch, capsys, "export", str(trained_run), "--format", "onnx")
    assert code == 2
    assert _one_line(err).strip() == (
        f"error: cannot write the onnx export model.onnx into {trained_run}: {trained_run} is on a read-only "
        f"file system; export elsewhere: zoo export MODEL --out PATH (zoo.export(..., out=PATH))"
    )
    assert not list(trained_run.glob("model.onnx*"))


class _Failing(zoo.Exporter):
    """Fails as its files are written, with ``error``."""

    suffixes = (".fail",)
    error: BaseException = OSError(errno.EROFS, "Read-only file system")

    def export(self, pipeline, out, registry):
        raise self.error


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (OSError(errno.EROFS, "Read-only file system"), "is on a read-only file system; export elsewhere"),
        (RuntimeError(f"{TORCH_FULL}: PytorchStreamWriter failed"), "no space left on device at"),
        (OSError(errno.ENOSPC, "No space left on device"), "(0 B free); free space there or export elsewhere"),
    ],
)
def test_an_export_whose_files_cannot_be_written_is_one_line(tmp_path, monkeypatch, error, cause):
    class Plugin:
        @zoo.hookimpl
        def zoo_exporters(self):
            return {"failing": _Failing}

    registry = Registry()
    registry.register(Plugin(), name="test-exporters", version="test 1.0")
    monkeypatch.setattr(_Failing, "error", error)
    _disk_full(monkeypatch)
    with pytest.raises(ExportError) as err:
        export_pipeline(SimpleNamespace(exported=False), "failing", registry, tmp_path / "out" / "model.fail")
    message = _one_line(str(err.value))
    assert message.startswith(f"cannot write the failing export model.fail into {tmp_path / 'out'}: ")
    assert cause in message and isinstance(err.value, WriteError)

    monkeypatch.setattr(_Failing, "error", OSError(errno.ENOENT, "No such file", "/data/calibration"))
    with pytest.raises(FileNotFoundError):  # no write: passed on as it is
        export_pipeline(SimpleNamespace(exported=False), "failing", registry, tmp_path / "out" / "model.fail")


def test_writable_names_the_folder_the_cause_and_the_fix(tmp_path, monkeypatch):
    writable(tmp_path / "new" / "run", "the run folder", "train into another folder")  # made, and writable
    assert (tmp_path / "new" / "run").is_dir() and not list((tmp_path / "new" / "run").iterdir())
    _read_only(monkeypatch, tmp_path)
    with pytest.raises(WriteError) as err:
        writable(tmp_path, "the run's metrics", f"continue in another folder: zoo train --resume {tmp_path} --out NEW")
    assert _one_line(str(err.value)) == (
        f"cannot write the run's metrics: {tmp_path} is on a read-only file system; "
        f"continue in another folder: zoo train --resume {tmp_path} --out NEW"
    )
    assert err.value.errno == errno.EROFS


def test_resuming_a_read_only_run_folder_is_one_line(tmp_path, monkeypatch):
    run = zoo.train(tiny_config("train.max_iterations=2"), out=tmp_path / "run")
    _read_only(monkeypatch, run)
    with pytest.raises(WriteError, match=f"{run} is on a read-only file system; .*--out"):
        zoo.train(tiny_config("train.max_iterations=4"), resume=run)
