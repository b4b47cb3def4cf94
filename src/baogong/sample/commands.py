"""`baogong sample load`: write the sample city into an empty database."""

from __future__ import annotations

from typing import Annotated

import typer

from baogong import migrate
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.console import StepProgress, console, progress
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.i18n import _
from baogong.sample.generator import Size, generate
from baogong.sample.load import load

sample_app = typer.Typer(help="The bundled sample city (Guangzhou Baiyun, 440111).",
                         no_args_is_help=True)


@sample_app.command("load")
def load_command(
    seed: Annotated[int, typer.Option(help="Seed; the same seed gives the same city.")] = 2022,
    size: Annotated[Size, typer.Option(help="small (tests) or district (full demo).")] = (
        Size.SMALL),
) -> None:
    """Generate the sample city and write it into the (empty) database."""
    engine = default_engine(create=True)
    migrate.upgrade(engine)
    city = generate(seed, size)
    with progress() as bar, unit_of_work(session_factory(engine)) as session:
        counts = load(session, city, StepProgress(bar),
                      actor=Actor("cli", Source.CLI, "sample load"))
    console.print(_("Loaded: {counts}").format(
        counts=", ".join(f"{k} {v:,}" for k, v in counts.items())))


def register(app: typer.Typer) -> None:
    """Add the `sample` group to the main app."""
    app.add_typer(sample_app, name="sample")
