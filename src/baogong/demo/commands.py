"""`baogong demo`: the lockdown day, as a summary table or one JSON object."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from baogong.console import StepProgress, console, parse_day, progress
from baogong.db import default_engine
from baogong.demo import flow
from baogong.i18n import N_, _
from baogong.operations.commands import show_allocation, show_routing
from baogong.sample.generator import Size
from baogong.types import unit_label


def demo(
    seed: Annotated[int, typer.Option(help="Seed of the sample city.")] = 2022,
    size: Annotated[Size, typer.Option(help="small (tests) or district (full demo).")] = (
        Size.DISTRICT),
    day: Annotated[str | None, typer.Option(
        "--date", help="Day of the lockdown, YYYY-MM-DD (default: today).")] = None,
    fresh: Annotated[bool, typer.Option(
        "--fresh", help="Delete every record and rebuild the schema first.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")] = (
        False),
) -> None:
    """Run a lockdown day on the sample city: load it, seal 云城, 黄石 and 新市, size demand."""
    when = parse_day(day)
    with progress(quiet=as_json) as bar:
        result = flow.run(default_engine(create=True), seed=seed, size=size, day=when, fresh=fresh,
                          step=StepProgress(bar))
    if as_json:
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    show(result)


SIZE_LABELS = {"small": N_("small (for tests)"), "district": N_("whole district")}


def show(result: flow.DemoResult) -> None:
    """Print the summary and the need-against-stock table."""
    head = Table(title=_("Lockdown day {date}: sample city {size}, seed {seed}").format(
        date=result.date, size=_(SIZE_LABELS.get(str(result.size), str(result.size))),
        seed=result.seed), show_header=False)
    head.add_column(_("Figure"))
    head.add_column(_("Value"), justify="right")
    rows = [
        (_("Households"), f"{result.households:,}"),
        (_("Sealed compounds"), f"{result.sealed_compounds:,} / {result.compounds:,}"),
        (_("Sealed households"), f"{result.sealed_households:,}"),
        (_("Vulnerable households (sealed)"), f"{result.vulnerable_households:,}"),
        (_("Standard packs demanded"), f"{result.packs_demanded:,}"),
        (_("of which for vulnerable households"), f"{result.priority_packs:,}"),
        (_("Demand (kg)"), f"{result.demand_kg:,.0f}"),
        (_("Usable stock (kg)"), f"{result.stock_kg:,.0f}"),
        (_("Database"), result.backend),
        (_("Elapsed (s)"), f"{result.elapsed_s:.1f}"),
    ]
    for k, v in rows:
        head.add_row(k, v)
    console.print(head)
    table = Table(title=_("Need against usable stock"))
    for col, justify in ((_("Product"), "left"), (_("Unit"), "left"), (_("Needed"), "right"),
                         (_("In stock"), "right"), (_("Cover"), "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for p in result.products:
        style = "red" if p.cover < 1 else ""
        table.add_row(p.name, unit_label(p.unit), f"{p.needed:,.0f}", f"{p.in_stock:,.0f}",
                      f"{p.cover:.0%}", style=style)
    console.print(table)
    if result.allocation:
        show_allocation(result.allocation)
    if result.routing:
        show_routing(result.routing)
    if result.lastmile:
        show_lastmile(result.lastmile)


def show_lastmile(figures: dict[str, float]) -> None:
    """Print the last-100-m totals."""
    table = Table(title=_("The last 100 m"), show_header=False)
    table.add_column(_("Figure"))
    table.add_column(_("Value"), justify="right")
    table.add_row(_("Hand-off points served"), f"{figures['handoff_points']:,}")
    table.add_row(_("Volunteer-hours needed"), f"{figures['volunteer_hours_needed']:,.0f}")
    table.add_row(_("Volunteer-hours on duty"), f"{figures['volunteer_hours_available']:,.0f}")
    table.add_row(_("Volunteer-hours short"), f"{figures['volunteer_hours_short']:,.0f}")
    if "volunteer_shifts" in figures:
        table.add_row(_("Volunteer shifts rostered"), f"{figures['volunteer_shifts']:,}")
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add `demo` to the main app."""
    app.command("demo")(demo)
