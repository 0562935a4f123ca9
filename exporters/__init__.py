"""Exporter plugins (installed as ``zoo.exporters``): they turn trained generators into deployable
artifacts through the ``zoo_exporters`` hook."""
