"""`baogong plan`: allocate a day's demand from the database and store the plan."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.console import console, err_console, parse_day
from baogong.db import default_engine, session_factory
from baogong.i18n import _
from baogong.planning import flows, service


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
        outcome = flows.plan_day(factory, day=when, by=by, source=Source.CLI, ref="plan")
    if as_json:
        typer.echo(json.dumps({"plan_id": outcome.plan_id, **outcome.figures},
                              ensure_ascii=False))
        return
    show(outcome.figures)
    with factory() as session:
        lines = service.pick_lists(session, plan_id=outcome.plan_id)
    by_site: dict[str, int] = {}
    for line in lines:
        by_site[line.site] = by_site.get(line.site, 0) + line.quantity
    console.print(_("Plan {id} stored: {lines} pick-list lines for {sites} sites.").format(
        id=outcome.plan_id, lines=len(lines), sites=len(by_site)))


def show(figures: dict[str, object]) -> None:
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


def register(app: typer.Typer) -> None:
    """Add `plan` to the main app."""
    app.command("plan")(plan)
