"""`baogong shift add|list|cancel`: volunteers' shifts from the command line."""

from __future__ import annotations

from datetime import time
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.auth.scope import whole_city
from baogong.console import console, parse_day
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.display import clock
from baogong.i18n import _
from baogong.workforce import queries, service
from baogong.workforce.models import ShiftTask, task_label

shift_app = typer.Typer(help="Volunteers' shifts.", no_args_is_help=True)


def _time(value: str, param: str) -> time:
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(_("not a time of day: {value}").format(value=value),
                                 param_hint=param) from exc


@shift_app.command("add")
def add(
    volunteer: Annotated[str, typer.Option(help="Volunteer code.")],
    start: Annotated[str, typer.Option("--from", help="Start, HH:MM China time.")],
    end: Annotated[str, typer.Option("--to", help="End, HH:MM China time.")],
    task: Annotated[ShiftTask, typer.Option(help="carry, door_to_door, handoff or "
                                                 "inspection.")],
    day: Annotated[str | None, typer.Option(
        "--date", help="Service day, YYYY-MM-DD (default: today).")] = None,
    handoff: Annotated[str | None, typer.Option(help="Hand-off point code.")] = None,
    compound: Annotated[str | None, typer.Option(help="Compound code.")] = None,
    note: Annotated[str, typer.Option(help="Note for the volunteer.")] = "",
) -> None:
    """Assign a shift to a volunteer at a hand-off point or a compound."""
    data = service.ShiftIn(volunteer=volunteer, day=parse_day(day),
                           start=_time(start, "--from"), end=_time(end, "--to"), task=task,
                           handoff=handoff, compound=compound, note=note)
    with unit_of_work(session_factory(default_engine())) as session:
        shift = queries.assign_shift(session, scope=whole_city("cli"),
                                     actor=Actor("cli", Source.CLI, "shift add"), data=data)
        shift_id = shift.id
    console.print(_("Shift {id} assigned to {volunteer} on {day}, {start} to {end}.").format(
        id=shift_id, volunteer=volunteer, day=data.day, start=start, end=end))


@shift_app.command("list")
def list_command(
    day: Annotated[str | None, typer.Option(
        "--date", help="Service day, YYYY-MM-DD (default: today).")] = None,
    volunteer: Annotated[str | None, typer.Option(help="Only this volunteer's shifts.")] = None,
) -> None:
    """The shifts of a day, by start time."""
    when = parse_day(day)
    table = Table(title=_("Shifts on {day}").format(day=when))
    for col in ("id", _("Volunteer"), _("Time"), _("Place"), _("Task"), _("Note")):
        table.add_column(col)
    with session_factory(default_engine())() as session:
        rows, _total = queries.shifts_page(session, scope=whole_city("cli"), day=when,
                                           volunteer=volunteer, limit=100_000)
        for s in rows:
            place = f"{s.handoff.name} ({s.compound.name})" if s.handoff else s.compound.name
            table.add_row(str(s.id), f"{s.volunteer.name} {s.volunteer.code}",
                          f"{clock(s.starts_at)}–{clock(s.ends_at)}", place,
                          task_label(s.task), s.note)
    console.print(table)


@shift_app.command("cancel")
def cancel(shift_id: Annotated[int, typer.Argument(help="Shift id.")]) -> None:
    """Cancel a shift."""
    with unit_of_work(session_factory(default_engine())) as session:
        queries.cancel_shift(session, scope=whole_city("cli"),
                             actor=Actor("cli", Source.CLI, "shift cancel"), shift_id=shift_id)
    console.print(_("Shift {id} cancelled.").format(id=shift_id))


def register(app: typer.Typer) -> None:
    """Add `shift` to the main app."""
    app.add_typer(shift_app, name="shift")
