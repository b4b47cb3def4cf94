"""`baogong plan` and `baogong dispatch`: the day's first steps, run by the day runner, and
the tables of their figures."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.console import DateOpt, StepProgress, console, err_console, fail, parse_day, progress
from baogong.db import default_engine, session_factory
from baogong.i18n import _
from baogong.operations import day as day_runner
from baogong.planning import service


def plan(
    day: Annotated[str | None, typer.Option(
        "--date", help="Day to plan, YYYY-MM-DD (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    by: Annotated[str, typer.Option(help="Who runs the plan (kept with it).")] = "cli",
) -> None:
    """Allocate sealed compounds' demand to open, verified sites; store pick lists."""
    when = parse_day(day)
    factory = session_factory(default_engine())
    with err_console.status(_("Allocating supply to compounds …")):
        ran = day_runner.run_day(factory, day=when, by=by, until=day_runner.Step.PLAN,
                                 source=Source.CLI, ref="plan")
    if as_json:
        typer.echo(json.dumps({"plan_id": ran.plan_id, **ran.allocation}, ensure_ascii=False))
        return
    show_allocation(ran.allocation)
    with factory() as session:
        lines = service.pick_lists(session, plan_id=ran.plan_id)
    by_site: dict[str, int] = {}
    for line in lines:
        by_site[line.site] = by_site.get(line.site, 0) + line.quantity
    console.print(_("Plan {id} stored: {lines} pick-list lines for {sites} sites.").format(
        id=ran.plan_id, lines=len(lines), sites=len(by_site)))


def dispatch(day: DateOpt = None,
             as_json: Annotated[bool, typer.Option("--json")] = False,
             by: Annotated[str, typer.Option(help="Who routes (kept in the audit trail).")] = (
                 "cli")) -> None:
    """Route every site's vehicles to the hand-off points of the day's latest plan."""
    when = parse_day(day)
    factory = session_factory(default_engine())
    with factory() as session:
        latest = service.latest_plan(session, day=when)
    if latest is None:
        raise fail(_("No plan for {date}: run `baogong plan --date {date}` first.").format(
            date=when))
    with progress(quiet=as_json) as bar:
        ran = day_runner.run_day(factory, day=when, by=by, plan_id=latest.id,
                                 until=day_runner.Step.ROUTE, source=Source.CLI,
                                 ref="dispatch", progress=StepProgress(bar))
    if as_json:
        typer.echo(json.dumps({"run_id": ran.run_id, **ran.routing}))
        return
    show_routing(ran.routing)


def show_allocation(figures: dict[str, object]) -> None:
    """Print the allocation figures."""
    table = Table(title=_("Allocation"), show_header=False)
    table.add_column(_("Figure"))
    table.add_column(_("Value"), justify="right")
    labels = {
        "packs_allocated": _("Packs allocated"),
        "unmet_packs": _("Packs not covered"),
        "priority_unmet_packs": _("of which for vulnerable households"),
        "min_fill_rate": _("Lowest fill rate"),
        "served_kg": _("Served (kg)"),
        "kg_km": _("Transport (kg·km)"),
        "sites_limited_by_vehicles": _("Sites limited by their own vehicles"),
        "allocation_s": _("Allocation time (s)"),
    }
    for key, label in labels.items():
        value = figures.get(key)
        if isinstance(value, float) and key == "min_fill_rate":
            table.add_row(label, f"{value:.1%}")
        elif isinstance(value, float) and key != "allocation_s":
            table.add_row(label, f"{value:,.0f}")
        elif isinstance(value, int | float):
            table.add_row(label, f"{value:,}")
    tiers = figures.get("tiers_kg")
    if isinstance(tiers, dict):
        names = {"local": _("local"), "nearby": _("nearby"), "citywide": _("city-wide")}
        table.add_row(_("Kg by tier"), " / ".join(
            f"{names[k]} {v:,.0f}" for k, v in tiers.items()))
    console.print(table)


def show_routing(figures: dict[str, object]) -> None:
    """Print the routing figures."""
    table = Table(title=_("Routes"), show_header=False)
    table.add_column(_("Figure"))
    table.add_column(_("Value"), justify="right")
    labels = {"vehicles_used": _("Vehicles used"), "trips": _("Trips"),
              "route_km": _("Distance (km)"), "stops_routed": _("Stops routed"),
              "stops_unrouted": _("Stops not routed"), "unrouted_kg": _("Load not routed (kg)"),
              "routing_s": _("Routing time (s)")}
    for key, label in labels.items():
        value = figures.get(key)
        if isinstance(value, int | float):
            table.add_row(label, f"{value:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `plan` and `dispatch` to the main app."""
    app.command("plan")(plan)
    app.command("dispatch")(dispatch)
