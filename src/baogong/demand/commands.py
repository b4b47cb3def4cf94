"""`baogong order ...`, `baogong manifest` and `baogong shortage`: demand intake by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.console import console, fail, parse_day
from baogong.db import default_engine, session_factory, unit_of_work
from baogong.demand import manifest_files, orders, queries, shortage
from baogong.demand.models import Channel, OrderStatus
from baogong.display import local_time
from baogong.i18n import _

order_app = typer.Typer(help="Orders: phone orders, lists, lifecycle.", no_args_is_help=True)


def _lines(items: list[str]) -> list[orders.LineIn]:
    out = []
    for item in items:
        code, _sep, n = item.partition(":")
        try:
            quantity = int(n or "1")
        except ValueError as exc:
            raise typer.BadParameter(item, param_hint="--pack/--product") from exc
        out.append((code, quantity))
    return [orders.LineIn(quantity=q, pack=c) for c, q in out]


@order_app.command("phone")
def phone_order(
    compound: Annotated[str, typer.Option(help="Compound code.")],
    building: Annotated[str, typer.Option(help="Building (楼栋).")],
    room: Annotated[str, typer.Option(help="Room (房号).")],
    phone: Annotated[str, typer.Option(help="Resident's phone.")],
    by: Annotated[str, typer.Option(help="Staff member taking the call.")],
    pack: Annotated[list[str], typer.Option(help="PACK[:N], repeatable.")],
    unit: Annotated[str, typer.Option(help="Unit (单元).")] = "",
    resident: Annotated[str, typer.Option(help="Resident's name.")] = "",
    vulnerable: Annotated[bool, typer.Option(help="Elderly alone, ill, disabled ...")] = False,
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Take an order by phone for a resident who cannot use apps (电话代下单)."""
    data = orders.OrderIn(compound, Channel.PHONE, orders.HouseholdIn(
        building, room, phone, unit, resident, vulnerable), _lines(pack), note=note)
    with unit_of_work(session_factory(default_engine())) as session:
        order, _created = orders.submit(session, data, owner=by,
                                        actor=Actor(by, Source.CLI, "order phone"))
        order_id, day, dup = order.id, order.service_day, order.duplicate_of_id
    console.print(_("Order {id} taken for {day}.").format(id=order_id, day=day))
    if dup:
        console.print(_("Note: this household already ordered for that day (order {id})."
                        ).format(id=dup))


@order_app.command("list")
def list_command(
    day: Annotated[str | None, typer.Option("--date")] = None,
    status: Annotated[OrderStatus | None, typer.Option()] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The day's orders (phone numbers masked)."""
    with session_factory(default_engine())() as session:
        rows = queries.list_orders(session, day=parse_day(day), status=status, limit=1000)
        data = [{"id": o.id, "compound_id": o.compound_id, "channel": o.channel.value,
                 "status": o.status.value, "household": f"{o.building}-{o.unit}-{o.room}",
                 "phone": orders.mask_phone(o.phone), "vulnerable": o.vulnerable,
                 "duplicate_of": o.duplicate_of_id} for o in rows]
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    table = Table(title=_("Orders"))
    for col in ("id", _("Channel"), _("Status"), _("Household"), _("Phone"), _("Vulnerable")):
        table.add_column(col)
    for d in data:
        table.add_row(str(d["id"]), str(d["channel"]), _(orders.STATUS_LABELS[
            OrderStatus(str(d["status"]))]), str(d["household"]), str(d["phone"]),
            "✓" if d["vulnerable"] else "")
    console.print(table)


@order_app.command("move")
def move(order_id: int, to: OrderStatus,
         by: Annotated[str, typer.Option(help="Who.")],
         reason: Annotated[str, typer.Option(help="Why (needed to cancel or fail).")] = "",
         ) -> None:
    """Move an order along its lifecycle (accept, cancel, deliver, fail, close)."""
    with unit_of_work(session_factory(default_engine())) as session:
        orders.transition(session, order_id=order_id, to=to, by=by, reason=reason,
                          source=Source.CLI, ref="order move")
    console.print(_("Order {id}: {status}.").format(id=order_id,
                                                     status=_(orders.STATUS_LABELS[to])))


@order_app.command("accept")
def accept_all(by: Annotated[str, typer.Option(help="Who accepts.")],
               day: Annotated[str | None, typer.Option("--date")] = None) -> None:
    """Accept every submitted order of the day (they join the day's plan)."""
    with unit_of_work(session_factory(default_engine())) as session:
        pending = queries.list_orders(session, day=parse_day(day), status=OrderStatus.SUBMITTED,
                                      limit=1_000_000)
        n = orders.accept_submitted(session, orders=pending, by=by, source=Source.CLI,
                                    ref="order accept")
    console.print(_("{n} orders accepted.").format(n=n))


@order_app.command("show")
def show(order_id: int) -> None:
    """An order, its lines and every step of its lifecycle."""
    with session_factory(default_engine())() as session:
        o = orders.get_order(session, order_id=order_id)
        console.print(f"#{o.id} {o.building}-{o.unit}-{o.room} "
                      f"{orders.mask_phone(o.phone)} {_(orders.STATUS_LABELS[o.status])}")
        for line in o.lines:
            console.print(f"  {line.quantity} × {line.pack_id or line.product_id} "
                          f"¥{line.unit_price} (−¥{line.unit_subsidy})")
        for e in o.events:
            console.print(f"  {local_time(e.at)} {e.by}: "
                          f"{_(orders.STATUS_LABELS[e.from_status]) if e.from_status else ''}"
                          f" → {_(orders.STATUS_LABELS[e.to_status])} {e.reason}")


def manifest_command(
    handoff: Annotated[str, typer.Option(help="Hand-off point code.")],
    day: Annotated[str | None, typer.Option("--date")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help=".xlsx or .html")] = Path(
        "manifest.xlsx"),
) -> None:
    """The households a hand-off point serves on a day, in walking order (xlsx or html)."""
    when = parse_day(day)
    with session_factory(default_engine())() as session:
        point, rows = queries.manifest(session, handoff_code=handoff, day=when)
    if output.suffix.lower() == ".html":
        output.write_text(manifest_files.render_html(point, rows, when), encoding="utf-8")
    elif output.suffix.lower() == ".xlsx":
        manifest_files.write_xlsx(output, point, rows, when)
    else:
        raise fail(_("Write the manifest to a .xlsx or .html file."))
    console.print(_("Manifest of {n} households written to {path}.").format(n=len(rows),
                                                                            path=output))


def shortage_command(
    region: Annotated[str, typer.Option(help="Region code of the outlet.")],
    outlet: Annotated[str, typer.Option(help="Outlet name.")],
    product: Annotated[str, typer.Option(help="Product code.")],
    quantity: Annotated[float, typer.Option(help="Units short.")],
    by: Annotated[str, typer.Option(help="Who reports.")],
    note: Annotated[str, typer.Option()] = "",
) -> None:
    """Report a shortage at a grassroots outlet (基层网点缺货)."""
    with unit_of_work(session_factory(default_engine())) as session:
        entry = shortage.report(session, region_code=region, outlet=outlet,
                                product_code=product, quantity=Decimal(str(quantity)), by=by,
                                note=note, source=Source.CLI, ref="shortage")
        console.print(_("Shortage report {id} recorded.").format(id=entry.id))


def register(app: typer.Typer) -> None:
    """Add the demand commands to the main app."""
    app.add_typer(order_app, name="order")
    app.command("manifest")(manifest_command)
    app.command("shortage")(shortage_command)
