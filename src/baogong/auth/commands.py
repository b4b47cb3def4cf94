"""`baogong user add|password|deactivate|demo`."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.auth.models import Role
from baogong.console import console
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.i18n import _

user_app = typer.Typer(help="Accounts and roles.", no_args_is_help=True)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[Role, typer.Option(help="command, enterprise, community, driver, "
                                            "volunteer or inspector.")],
    org: Annotated[str | None, typer.Option(help="Enterprise credit code (enterprise).")] = None,
    community: Annotated[str | None, typer.Option(
        help="Community or subdistrict code (community worker).")] = None,
    vehicle: Annotated[str | None, typer.Option(help="Vehicle plate (driver).")] = None,
    volunteer: Annotated[str | None, typer.Option(help="Volunteer code (volunteer).")] = None,
    display_name: Annotated[str, typer.Option(help="Name shown on pages.")] = "",
    lang: Annotated[str | None, typer.Option(help="zh_CN or en.")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Add a user; the password is read from standard input."""
    from baogong.auth import service

    if not password_stdin:
        raise typer.BadParameter(_("pass the password on standard input with --password-stdin"),
                                 param_hint="--password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    with unit_of_work(session_factory(default_engine())) as session:
        user = service.create_user(session, username=name, role=role, password=password,
                                   display_name=display_name, org=org, community=community,
                                   vehicle=vehicle, volunteer=volunteer, lang=lang)
        record(session, actor=Actor("cli", Source.CLI, "user add"), action="create",
               entity="user", key=user.username,
               after={"role": role, "org": org, "community": community, "vehicle": vehicle,
                      "volunteer": volunteer})
    console.print(_("User {name} added with role {role}.").format(name=name, role=role.value))


@user_app.command("password")
def password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the new password from standard input.")] = False,
) -> None:
    """Set a user's password; every token of the user stops working."""
    from baogong.auth import service

    if not password_stdin:
        raise typer.BadParameter(_("pass the password on standard input with --password-stdin"),
                                 param_hint="--password-stdin")
    secret = sys.stdin.readline().rstrip("\r\n")
    with unit_of_work(session_factory(default_engine())) as session:
        user = service.get_user(session, username=name)
        service.set_password(session, user=user, password=secret)
        record(session, actor=Actor("cli", Source.CLI, "user password"), action="update",
               entity="user", key=name, after={"password_changed": True})
    console.print(_("Password of {name} changed; its tokens are revoked.").format(name=name))


@user_app.command("deactivate")
def deactivate(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Deactivate a user; every token of the user stops working."""
    from baogong.auth import service

    with unit_of_work(session_factory(default_engine())) as session:
        user = service.get_user(session, username=name)
        before = {"active": user.active}
        service.set_active(session, user=user, active=False)
        record(session, actor=Actor("cli", Source.CLI, "user deactivate"), action="update",
               entity="user", key=name, before=before, after={"active": False})
    console.print(_("User {name} deactivated; its tokens are revoked.").format(name=name))


def show_demo_users() -> None:
    """Create one demo account per role (if missing) and print the logins."""
    from baogong.auth.demo import create_demo_users

    with unit_of_work(session_factory(default_engine())) as session:
        logins = create_demo_users(session, actor=Actor("cli", Source.CLI, "user demo"))
    table = Table(title=_("Demo logins"))
    for head in (_("User name"), _("Password"), _("Role"), _("Tied to")):
        table.add_column(head)
    for d in logins:
        table.add_row(d.username, d.password, d.role.value, d.bound_to)
    console.print(table)


@user_app.command("demo")
def demo_users() -> None:
    """Create one demo account per role on the sample city and print the logins."""
    show_demo_users()


def register(app: typer.Typer) -> None:
    """Add `user` to the main app."""
    app.add_typer(user_app, name="user")
