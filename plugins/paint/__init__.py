"""``zoo paint``: a painter in the browser for label-to-image models and single-image models
(gradio, the optional extra ``zoo-gan[paint]``)."""

from zoo.hookspecs import hookimpl


@hookimpl
def zoo_commands():
    from .cli import paint_command

    return {"paint": paint_command}
