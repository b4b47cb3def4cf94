"""The `baogong` command line: one Typer app; each domain registers its own commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from baogong import i18n
from baogong.console import err_console
from baogong.errors import DomainError
from baogong.i18n import _

app = typer.Typer(
    name="baogong",
    help="baogong (保供): emergency supply command platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Language of messages: zh-CN (default) or en.", envvar="BAOGONG_LANG"
        ),
    ] = None,
) -> None:
    try:
        i18n.set_lang(lang)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--lang") from exc


def _register_domains() -> None:
    from baogong import db_commands, serve
    from baogong.auth import commands as auth_commands
    from baogong.delivery import commands as delivery_commands
    from baogong.delivery import dispatch_commands, route_commands
    from baogong.demand import commands as demand_commands
    from baogong.demo import commands as demo_commands
    from baogong.ledger import commands as ledger_commands
    from baogong.operations import commands as day_commands
    from baogong.planning import allocate_commands
    from baogong.sample import commands as sample_commands
    from baogong.workforce import commands as workforce_commands

    for module in (db_commands, sample_commands, demo_commands, day_commands,
                   delivery_commands, dispatch_commands, ledger_commands, auth_commands, serve,
                   route_commands, demand_commands, allocate_commands, workforce_commands):
        module.register(app)


_register_domains()


def main() -> None:
    """Entry point of the `baogong` script: a domain error becomes one clear line and exit 1."""
    try:
        app(standalone_mode=True)
    except DomainError as exc:
        label = _("Error")
        err_console.print(f"[bold red]{label}:[/] {exc.text()}", highlight=False)
        sys.exit(1)
