"""Exporting: what every deployment format shares. The :class:`~zoo.exporting.exporter.Exporter`
contract that exporter plugins implement, the preparation of a generator for tracing, the
verification against PyTorch, the metadata an artifact carries to be loaded back, ``zoo export``
and ``zoo bench``. No format is named here: the formats are plugins (``zoo list exporter``)."""
