"""`baogong capacity`: delivery capacity against need, per district, with what-ifs."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from baogong.config import get_settings
from baogong.console import console, parse_day
from baogong.db import default_engine, session_factory
from baogong.delivery.capacity import CapacityRow, area_loads, estimate
from baogong.i18n import _
from baogong.types import day_start


def capacity(
    day: Annotated[str | None, typer.Option(
        "--date", help="Day to estimate, YYYY-MM-DD (default: today).")] = None,
    surge: Annotated[float, typer.Option(
        help="Demand multiplier for an order surge (what-if).", min=0.0)] = 1.0,
    seal: Annotated[list[str] | None, typer.Option(
        "--seal", help="Region code to treat as sealed as well (what-if; repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Vehicles, trips, driver- and volunteer-hours needed against available; what to call in."""
    when = parse_day(day)
    rules = get_settings()
    with session_factory(default_engine())() as session:
        loads = area_loads(session, at=day_start(when), rules=rules, also_sealed=seal or ())
        session.rollback()
    rows = [estimate(area, rules, surge) for area in loads]
    if as_json:
        typer.echo(json.dumps({"date": when.isoformat(), "surge": surge, "seal": seal or [],
                               "districts": [r.as_json() for r in rows]}, ensure_ascii=False))
        return
    show(rows, when, surge)


def show(rows: list[CapacityRow], when: date, surge: float) -> None:
    """Print, per district, needed against available and what to call in."""
    for r in rows:
        table = Table(title=_("Delivery capacity of {name}, {date} (surge x{surge})").format(
            name=r.name, date=when, surge=surge))
        for i, col in enumerate((_("Figure"), _("Needed"), _("Available"), _("To call in"))):
            table.add_column(col, justify="left" if i == 0 else "right")
        table.add_row(_("Demand (kg)"), f"{r.demand_kg:,.0f}", "", "")
        table.add_row(_("Trips"), f"{r.trips:,}", "", "")
        table.add_row(_("Vehicles with pass"), f"{r.vehicles_needed:,}",
                      f"{r.vehicles_available:,}", _short(r.vans_to_call))
        table.add_row(_("Driver-hours"), f"{r.driver_hours_needed:,.0f}",
                      f"{r.driver_hours_available:,.0f}", "")
        table.add_row(_("Volunteer-hours"), f"{r.volunteer_hours_needed:,.0f}",
                      f"{r.volunteer_hours_available:,.0f}", _short(r.volunteers_to_call))
        console.print(table)


def _short(n: int) -> str:
    return f"[bold red]{n:,}[/]" if n else "0"


def register(app: typer.Typer) -> None:
    """Add `capacity` to the main app."""
    app.command("capacity")(capacity)
