"""The Typer application every ``zoo`` sub-command registers on."""

import typer

app = typer.Typer(
    help="zoo: conditional image synthesis with GANs (pix2pix, pix2pixHD, SPADE, SinGAN).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
