"""The built-in plugins: ordinary zoo plugins, registered through the ``zoo`` entry-point group."""
