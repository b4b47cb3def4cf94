"""The `baogong` command line: one Typer app; each domain registers its own commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from baogong import i18n
from baogong.console import fail
from baogong.db import public_url
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
    """Entry point of the `baogong` script: a domain error, or a database that cannot be
    reached, becomes one clear line and exit 1."""
    try:
        app(standalone_mode=True)
    except DomainError as exc:
        sys.exit(fail(exc.text()).exit_code)
    except OperationalError as exc:
        sys.exit(fail(unreachable(exc)).exit_code)


def unreachable(exc: OperationalError) -> str:
    """One line for a database that cannot be opened: which (no password), why, what to do."""
    from baogong.config import get_settings

    url = make_url(get_settings().database_url)
    text = str(exc.orig).strip()
    if f'database "{url.database}" does not exist' in text:  # the server answered
        return _("The database {url} does not exist on its server: create it (`createdb "
                 "{name}`), then run `baogong db upgrade`").format(url=public_url(url),
                                                                  name=url.database)
    reason = text.splitlines()[0] if text else type(exc.orig).__name__
    return _("Cannot open the database {url} ({reason}): start its server or fix "
             "BAOGONG_DATABASE_URL, then run `baogong db upgrade`").format(
        url=public_url(url), reason=reason)
