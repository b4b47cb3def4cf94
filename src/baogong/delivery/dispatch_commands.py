"""`baogong runsheet`, `lastmile` and `pod`: the day's routes on paper and the last 100 m."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.config import get_settings
from baogong.console import DateOpt, console, fail, parse_day
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.delivery import lastmile, pod, runsheet
from baogong.delivery.models import StopStatus
from baogong.delivery.pod import STATUS_LABELS
from baogong.i18n import _
from baogong.planning.service import latest_plan


def _plan_id(day: date) -> int:
    with session_factory(default_engine())() as session:
        plan = latest_plan(session, day=day)
    if plan is None:
        raise fail(_("No plan for {date}: run `baogong plan --date {date}` first.").format(
            date=day))
    return plan.id


def runsheet_command(
    day: DateOpt = None,
    site: Annotated[str | None, typer.Option(help="Only this site's routes.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")] = Path(
        "runsheets.html"),
) -> None:
    """Write printable run sheets (stops, ETAs, loads, contacts) of the day's routes."""
    when = parse_day(day)
    plan_id = _plan_id(when)
    with session_factory(default_engine())() as session:
        run = pod.latest_run(session, plan_id=plan_id)
        if run is None:
            raise fail(_("No routes for {date}: run `baogong dispatch --date {date}` first."
                         ).format(date=when))
        html = runsheet.render(runsheet.sheets(session, run_id=run.id, site_code=site),
                               day=when)
    output.write_text(html, encoding="utf-8")
    console.print(_("Run sheets written to {path}.").format(path=output))


def lastmile_command(
    day: DateOpt = None,
    handoff: Annotated[str | None, typer.Option(
        "--manifest", help="Print the building manifest of this hand-off point.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Per hand-off point: households, packs, volunteer-hours needed against on duty."""
    when = parse_day(day)
    plan_id = _plan_id(when)
    with session_factory(default_engine())() as session:
        loads = lastmile.handoff_loads(session, plan_id=plan_id, day=when, rules=get_settings())
    if handoff:
        match = [x for x in loads if x.handoff == handoff]
        if not match:
            raise fail(_("Hand-off point {code} receives nothing in this plan.").format(
                code=handoff))
        lines = lastmile.manifest(match[0])
        if as_json:
            typer.echo(json.dumps([line.__dict__ for line in lines]))
            return
        table = Table(title=_("Manifest of {name}").format(name=match[0].handoff_name))
        for col in (_("Building"), _("Households"), _("Packs")):
            table.add_column(col, justify="right")
        for line in lines:
            table.add_row(_("Building {n}").format(n=line.building), f"{line.households:,}",
                          f"{line.packs:,}")
        console.print(table)
        return
    if as_json:
        typer.echo(json.dumps([{**x.__dict__, "status": x.status.value,
                                "short_hours": x.short_hours} for x in loads],
                              ensure_ascii=False))
        return
    table = Table(title=_("The last 100 m, {date}").format(date=when))
    for i, col in enumerate((_("Hand-off point"), _("Households"), _("Packs"),
                             _("Volunteer-hours needed"), _("On duty"), _("Short"))):
        table.add_column(col, justify="left" if i == 0 else "right")
    for x in loads:
        table.add_row(x.handoff_name, f"{x.households:,}", f"{x.packs:,}",
                      f"{x.volunteer_hours_needed:,.1f}", f"{x.volunteer_hours_on_duty:,.1f}",
                      f"[red]{x.short_hours:,.1f}[/]" if x.short_hours else "0")
    console.print(table)


def pod_command(
    stop: Annotated[int, typer.Argument(help="Stop id (on the run sheet).")],
    by: Annotated[str, typer.Option(help="Who confirms (driver or community worker).")],
    failed: Annotated[bool, typer.Option("--failed", help="The delivery failed.")] = False,
    received_by: Annotated[str | None, typer.Option(help="Who received the goods.")] = None,
    note: Annotated[str, typer.Option(help="Remark; the reason when it failed.")] = "",
) -> None:
    """Record the proof of delivery of one stop."""
    status = StopStatus.FAILED if failed else StopStatus.DELIVERED
    with unit_of_work(session_factory(default_engine())) as session:
        pod.confirm_stop(session, stop_id=stop, status=status, by=by, received_by=received_by,
                         note=note, source=Source.CLI, ref="pod")
    label = _(STATUS_LABELS[status])
    console.print(_("Stop {id} recorded as {status}.").format(id=stop, status=label))


def register(app: typer.Typer) -> None:
    """Add the day's delivery commands to the main app."""
    app.command("runsheet")(runsheet_command)
    app.command("lastmile")(lastmile_command)
    app.command("pod")(pod_command)
