"""Exporter plugins (installed as ``zoo.exporters``): trained generators to verified ONNX models
and TensorRT engines, through the ``zoo_exporters`` hook like any third-party exporter."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_exporters():
    from .onnx import OnnxExporter
    from .tensorrt import TensorRTExporter

    return {"onnx": OnnxExporter, "tensorrt": TensorRTExporter}
