"""Model cards from data (installed as ``zoo.model_cards``): a ``huggingface_hub.ModelCard``
filled from the model's configuration, provenance, samples, export reports and benchmark table,
with ``templates/model.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
import yaml
from PIL import Image
from torch.utils.data import default_collate

from zoo.architecture import training_model
from zoo.config import portable
from zoo.inference import InferencePipeline
from zoo.progress import describe, run_progress
from zoo.registry import Registry

if TYPE_CHECKING:
    from huggingface_hub import ModelCard

TEMPLATE = Path(__file__).parent / "templates" / "model.md"


def model_card(
    pipeline: InferencePipeline,
    registry: Registry,
    folder: Path | None = None,
    repo_id: str | None = None,
    **template: Any,
) -> ModelCard:
    """The card of ``pipeline``; ``folder`` (a saved model) contributes what lies in it:
    ``samples.png``, the reports of every registered exporter's artifacts, ``bench.json`` and
    ``metrics.json``. ``template`` overrides the values given to the template (``summary=...``,
    as ``ModelHubMixin``'s ``model_card_kwargs`` do)."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData  # slow to import: only when a card is made

    config, provenance = pipeline.config, pipeline.provenance
    arch_cls = registry.get("architecture", config.arch).obj
    folder = folder or Path("/nonexistent")
    metrics = (_read(folder / "metrics.json") or {}).get("results", [])
    task = arch_cls.task
    data = ModelCardData(
        license=provenance.get("license"),
        library_name="zoo",
        pipeline_tag=task,
        tags=["zoo", "gan", config.arch],
        model_name=repo_id or f"{config.arch} model",
        eval_results=[EvalResult(task, m["dataset"], m["dataset"], m["name"], m["value"]) for m in metrics] or None,
    )
    values = dict(
        model_name=repo_id or f"A {config.arch} model",
        summary=provenance.get("summary", ""),
        repo_id=repo_id or "PATH",
        arch=config.arch,
        paper=arch_cls.paper,
        usage=getattr(pipeline, "usage", "images = pipe(inputs)"),
        source=provenance.get("source", ""),
        files=", ".join(provenance.get("files", [])),
        license=provenance.get("license"),
        data=config.data.name,
        config=yaml.safe_dump(json.loads(json.dumps(portable(config.to_dict()))), sort_keys=False).strip(),
        samples=(folder / "samples.png").is_file() and "Random inputs from the model's data set, or random samples.",
        no_samples=_no_samples(pipeline, folder),
        progress=describe(_progress(pipeline, folder, registry)),
        metrics=metrics,
        exports=[_export_row(p) for p in export_reports(folder, registry)],
        formats=", ".join(entry.name for entry in registry.entries("exporter")) or "none installed",
        bench=[_bench_row(r) for r in (_read(folder / "bench.json") or {}).get("rows", [])],
        limitations=_limitations(arch_cls, config.data.name, provenance.get("license")),
    )
    return ModelCard.from_template(data, template_path=str(TEMPLATE), **(values | template))


def export_reports(folder: Path, registry: Registry) -> list[Path]:
    """The export reports in ``folder``, found by the patterns each exporter declares."""
    found = {p for entry in registry.entries("exporter") for pattern in entry.obj.reports for p in folder.glob(pattern)}
    return sorted(found)


def write_samples(pipeline: InferencePipeline, path: Path, registry: Registry, count: int = 4) -> bool:
    """A grid of outputs: SinGAN's random samples, or the family's own sample rows on items of
    its data set (inputs, outputs, targets); False where there is nothing to draw from."""
    return render_samples(pipeline, path, registry, count) is None


def render_samples(pipeline: InferencePipeline, path: Path, registry: Registry, count: int = 4) -> str | None:
    """:func:`write_samples`, returning None once the grid is written, else why there is none
    (the card's sentence: the data set that could not be opened, and why)."""
    if hasattr(pipeline, "sample"):
        rows = [pipeline.sample(count, seed=0, output_type="pt")]
    else:
        config = pipeline.config
        try:
            dataset = registry.create("dataset", config.data.name, **config.data.options)
        except Exception as exc:  # a data set that is not on this machine: the card says so
            why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return (
                f"No samples were rendered: the data set `{config.data.name}` could not be opened where the model "
                f"was published ({why})."
            )
        if not len(dataset):
            return f"No samples were rendered: the data set `{config.data.name}` is empty."
        rows = _dataset_rows(pipeline, dataset, registry, count)
    grid = torch.cat([torch.cat(list(row), -1) for row in rows], -2)
    Image.fromarray((grid.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype("uint8")).save(path)
    return None


def _no_samples(pipeline: InferencePipeline, folder: Path) -> str:
    """What the card says where no ``samples.png`` goes with it (``zoo card``, ``save_pretrained``)."""
    source = "random samples" if hasattr(pipeline, "sample") else f"items of the data set `{pipeline.config.data.name}`"
    run = " The training run's own grids are in its samples/ folder." if (folder / "samples").is_dir() else ""
    return f"No sample grid goes with this card: `zoo push` renders one (samples.png) from {source}.{run}"


def _progress(pipeline: InferencePipeline, folder: Path, registry: Registry) -> dict[str, Any] | None:
    """How far the training of the card's weights got: from the checkpoint they were read from
    or the run folder given, else as their provenance recorded it (a saved copy)."""
    for source in (getattr(pipeline, "checkpoint", None), folder):
        if source is not None:
            progress = run_progress(Path(source), registry)
            if progress:
                return progress
    return pipeline.provenance.get("training")


def _dataset_rows(pipeline: InferencePipeline, dataset: Any, registry: Registry, count: int) -> list[torch.Tensor]:
    model = training_model(pipeline, registry)
    items = default_collate([dataset[i] for i in range(min(count, len(dataset)))])
    with torch.inference_mode():
        batch = model.prepare_batch(items)
        visuals = list(model.visuals(batch, model.generate(batch)).values())
    return [torch.stack([(v[i].float().expand(3, -1, -1) + 1) / 2 for v in visuals]) for i in range(len(visuals[0]))]


def _export_row(path: Path) -> dict[str, Any]:
    report = _read(path)
    row = {
        "file": path.name.removesuffix(".json"),
        "format": report.get("format", ""),
        "precision": report["precision"],
    }
    measured = [c for c in report["checks"] if c.get("max_abs") is not None]
    if not measured or len(measured) < len(report["checks"]):
        return row | {"passed": "no", "max_abs": "-", "psnr": "-"}
    worst = max(c["max_abs"] for c in measured)
    psnr = min(c["psnr_db"] for c in measured)
    return row | {"passed": "yes" if report["passed"] else "no", "max_abs": f"{worst:.1e}", "psnr": f"{psnr:.1f}"}


def _bench_row(row: dict[str, Any]) -> dict[str, Any]:
    ok = row.get("status") == "ok"
    return {
        "backend": row.get("backend", "?"),
        "latency": f"{row['latency_ms']:.3g}" if ok else row.get("status", "-"),
        "throughput": f"{row['throughput']:.3g}" if ok else "-",
        "speedup": f"{row['speedup']:.2f}x" if ok else "-",
    }


def _limitations(arch_cls: type, data: str, license: str | None) -> str:
    text = [
        f"Trained on `{data}`: inputs unlike that data give unreliable images. GAN outputs can repeat the "
        f"biases and artefacts of their training data; do not present them as photographs."
    ]
    if arch_cls.limitations:
        text.append(arch_cls.limitations)
    if license and "-nc" in license:  # cc-by-nc-*, not ncsa
        text.append(f"The licence ({license}) forbids commercial use.")
    return " ".join(text)


def _read(path: Path) -> Any:
    return json.loads(path.read_text()) if path.is_file() else None
