"""`baogong db ...`: apply and inspect schema migrations."""

from __future__ import annotations

import typer

from baogong import migrate
from baogong.console import console
from baogong.db import default_engine
from baogong.i18n import _

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest); creates the database if need be."""
    engine = default_engine(create=True)
    migrate.upgrade(engine, revision)
    console.print(_("Database is at revision {rev}.").format(rev=migrate.current(engine)))


@db_app.command("downgrade")
def downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Revert migrations down to REVISION."""
    engine = default_engine()
    migrate.downgrade(engine, revision)
    console.print(_("Database is at revision {rev}.").format(rev=migrate.current(engine)))


@db_app.command("current")
def current() -> None:
    """Print the revision the database is at."""
    console.print(migrate.current(default_engine()) or _("(empty: not migrated)"))


def register(app: typer.Typer) -> None:
    """Add the `db` group to the main app."""
    app.add_typer(db_app, name="db")
