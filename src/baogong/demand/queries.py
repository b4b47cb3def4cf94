"""Reading orders: filtered lists with cursor pagination, units per compound, manifests."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baogong.demand.models import Order, OrderStatus
from baogong.ledger.models import PackItem, PackTemplate, Product
from baogong.regions.models import HandoffPoint, Region


def list_orders(session: Session, *, compound_ids: Sequence[int] | None = None,
                status: OrderStatus | None = None, day: date | None = None,
                after_id: int | None = None, limit: int = 50) -> list[Order]:
    """Orders in id order after a cursor, filtered by compounds, status and service day."""
    stmt = select(Order).options(selectinload(Order.lines)).order_by(Order.id).limit(limit)
    if compound_ids is not None:
        stmt = stmt.where(Order.compound_id.in_(list(compound_ids)))
    if status is not None:
        stmt = stmt.where(Order.status == status)
    if day is not None:
        stmt = stmt.where(Order.service_day == day)
    if after_id is not None:
        stmt = stmt.where(Order.id > after_id)
    return list(session.scalars(stmt))


def order_units(session: Session, *, day: date,
                statuses: Sequence[OrderStatus] = (OrderStatus.ACCEPTED,)
                ) -> dict[int, dict[str, tuple[Decimal, Decimal]]]:
    """Product units the day's orders ask for, per compound id: (all, for vulnerable)."""
    packs = {p.id: [(i.product.code, i.quantity) for i in p.items] for p in session.scalars(
        select(PackTemplate).options(selectinload(PackTemplate.items)
                                     .selectinload(PackItem.product)))}
    products = {p.id: p.code for p in session.scalars(select(Product))}
    out: dict[int, dict[str, tuple[Decimal, Decimal]]] = {}
    for order in session.scalars(select(Order).options(selectinload(Order.lines)).where(
            Order.service_day == day, Order.status.in_(list(statuses)))):
        per = out.setdefault(order.compound_id, {})
        for line in order.lines:
            items = (packs[line.pack_id] if line.pack_id is not None
                     else [(products[line.product_id or 0], Decimal(1))])
            for code, q in items:
                total, pri = per.get(code, (Decimal(0), Decimal(0)))
                units = q * line.quantity
                per[code] = (total + units, pri + (units if order.vulnerable else 0))
    return out


def _natural(text: str) -> tuple[object, ...]:
    """Sort key that puts 2 before 10 (楼栋 and rooms are numbers written as text)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


@dataclass(frozen=True)
class ManifestRow:
    """One household on a hand-off point's manifest."""

    order_id: int
    building: str
    unit: str
    room: str
    resident: str
    phone: str
    vulnerable: bool
    items: str
    status: OrderStatus


def manifest(session: Session, *, handoff_code: str, day: date) -> tuple[HandoffPoint,
                                                                          list[ManifestRow]]:
    """The households to carry to, from one hand-off point on a day, in walking order:
    building, then unit, then room (floor by floor)."""
    from baogong.demand.orders import mask_phone
    from baogong.errors import NotFound
    from baogong.i18n import N_

    point = session.scalar(select(HandoffPoint).where(HandoffPoint.code == handoff_code))
    if point is None:
        raise NotFound(N_("Unknown hand-off point {code}"), record=f"handoff {handoff_code}",
                       field="handoff", code=handoff_code)
    names = {p.id: p.name for p in session.scalars(select(PackTemplate))}
    names.update({-p.id: p.name for p in session.scalars(select(Product))})
    rows = []
    for o in session.scalars(select(Order).options(selectinload(Order.lines)).where(
            Order.compound_id == point.compound_id, Order.service_day == day,
            Order.status.notin_([OrderStatus.CANCELLED]))):
        items = "、".join(
            f"{names[ln.pack_id if ln.pack_id is not None else -(ln.product_id or 0)]}"
            f"×{ln.quantity}" for ln in o.lines)
        rows.append(ManifestRow(o.id, o.building, o.unit, o.room, o.resident,
                                mask_phone(o.phone), o.vulnerable, items, o.status))
    rows.sort(key=lambda r: (_natural(r.building), _natural(r.unit), _natural(r.room)))
    return point, rows


def compound_of(session: Session, *, compound_id: int) -> Region | None:
    """The compound a record refers to."""
    return session.get(Region, compound_id)
