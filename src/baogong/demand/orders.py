"""Orders: submit from any channel, exactly once per idempotency key; the lifecycle. Never
commits, except where it must settle a race on an idempotency key (see submit)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from baogong.demand.models import (
    Channel,
    Order,
    OrderBatch,
    OrderEvent,
    OrderLine,
    OrderRules,
    OrderStatus,
)
from baogong.errors import Conflict, DomainError, Label, NotFound
from baogong.i18n import N_
from baogong.ledger.excel.cells import CellError
from baogong.ledger.excel.cells import phone as clean_phone
from baogong.ledger.models import PackTemplate, Product
from baogong.regions.models import Region, RegionLevel
from baogong.regions.service import get_region
from baogong.types import CHINA_TZ, utcnow

DEFAULT_CUTOFF_MINUTES = 20 * 60

STATUS_LABELS = {
    OrderStatus.SUBMITTED: N_("submitted"), OrderStatus.ACCEPTED: N_("accepted"),
    OrderStatus.ALLOCATED: N_("allocated"), OrderStatus.DISPATCHED: N_("dispatched"),
    OrderStatus.AT_HANDOFF: N_("at the hand-off point"), OrderStatus.DELIVERED: N_("delivered"),
    OrderStatus.FAILED: N_("failed"), OrderStatus.CLOSED: N_("closed"),
    OrderStatus.CANCELLED: N_("cancelled"),
}

# The lifecycle: submitted -> accepted -> allocated -> dispatched -> at hand-off point ->
# delivered (or failed) -> closed; cancel before dispatch.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.SUBMITTED: frozenset({OrderStatus.ACCEPTED, OrderStatus.CANCELLED}),
    OrderStatus.ACCEPTED: frozenset({OrderStatus.ALLOCATED, OrderStatus.CANCELLED}),
    OrderStatus.ALLOCATED: frozenset({OrderStatus.DISPATCHED, OrderStatus.CANCELLED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.AT_HANDOFF, OrderStatus.FAILED}),
    OrderStatus.AT_HANDOFF: frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.CLOSED}),
    OrderStatus.FAILED: frozenset({OrderStatus.CLOSED}),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class LineIn:
    """A requested line: a pack or a product code and how many."""

    quantity: int
    pack: str | None = None
    product: str | None = None


@dataclass(frozen=True)
class HouseholdIn:
    """Who the order is for: building, unit, room, phone, and whether vulnerable."""

    building: str
    room: str
    phone: str
    unit: str = ""
    resident: str = ""
    vulnerable: bool = False


@dataclass(frozen=True)
class OrderIn:
    """A household's order as submitted."""

    compound: str
    channel: Channel
    household: HouseholdIn
    lines: Sequence[LineIn]
    substitution_allowed: bool = True
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def request_hash(body: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits of a phone number."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def service_day(session: Session, *, compound: Region, at: datetime) -> date:
    """The day an order placed at `at` is served: today before the district's cut-off, else
    tomorrow."""
    local = at.astimezone(CHINA_TZ)
    cutoff = DEFAULT_CUTOFF_MINUTES
    ancestors = [int(part) for part in compound.path.strip("/").split("/")]
    rules = {r.region_id: r.cutoff_minutes for r in session.scalars(
        select(OrderRules).where(OrderRules.region_id.in_(ancestors)))}
    for region_id in ancestors:  # the most specific rule wins
        cutoff = rules.get(region_id, cutoff)
    minutes = local.hour * 60 + local.minute
    return local.date() + timedelta(days=1 if minutes >= cutoff else 0)


def set_cutoff(session: Session, *, region_code: str, minutes: int) -> OrderRules:
    """Set a district's daily cut-off (minutes after midnight, China time)."""
    region = get_region(session, code=region_code)
    if not 0 <= minutes < 24 * 60:
        raise DomainError(N_("The cut-off must be a time of day"), record=f"region {region_code}",
                          field="cutoff", value=minutes)
    rule = session.get(OrderRules, region.id) or OrderRules(region_id=region.id)
    rule.cutoff_minutes = minutes
    session.add(rule)
    session.flush()
    return rule


def _compound(session: Session, code: str) -> Region:
    region = get_region(session, code=code)
    if region.level is not RegionLevel.COMPOUND:
        raise DomainError(N_("Orders are placed for a compound, not a {level}"),
                          record=f"region {code}", field="compound", level=region.level.value)
    return region


def _lines(session: Session, lines: Sequence[LineIn], record: str) -> list[OrderLine]:
    if not lines:
        raise DomainError(N_("An order needs at least one line"), record=record, field="lines")
    out = []
    for i, line in enumerate(lines):
        where = f"{record} line {i + 1}"
        if line.quantity < 1:
            raise DomainError(N_("Quantity must be positive (got {value})"), record=where,
                              field="quantity", value=line.quantity)
        if (line.pack is None) == (line.product is None):
            raise DomainError(N_("A line names a pack or a product, not both"), record=where,
                              field="pack")
        if line.pack is not None:
            pack = session.scalar(select(PackTemplate).where(PackTemplate.code == line.pack,
                                                             PackTemplate.active.is_(True)))
            if pack is None:
                raise NotFound(N_("Unknown pack {code}"), record=where, field="pack",
                               code=line.pack)
            out.append(OrderLine(pack_id=pack.id, quantity=line.quantity, unit_cost=pack.cost,
                                 unit_price=pack.price, unit_subsidy=pack.subsidy))
        else:
            product = session.scalar(select(Product).where(Product.code == line.product))
            if product is None:
                raise NotFound(N_("Unknown product code {code}"), record=where,
                               field="product", code=line.product)
            if product.unit_price is None:
                raise DomainError(N_("Product {code} has no price and cannot be ordered"),
                                  record=where, field="product", code=product.code)
            out.append(OrderLine(product_id=product.id, quantity=line.quantity,
                                 unit_cost=product.unit_cost or product.unit_price,
                                 unit_price=product.unit_price, unit_subsidy=Decimal(0)))
    return out


def _new_order(session: Session, data: OrderIn, *, owner: str, at: datetime,
               batch: OrderBatch | None = None) -> Order:
    compound = _compound(session, data.compound)
    record = f"order for {data.compound} {data.household.building}-{data.household.unit}-" \
             f"{data.household.room}"
    h = data.household
    for name, value in (("building", h.building), ("room", h.room)):
        if not value.strip():
            raise DomainError(N_("is required"), record=record, field=f"household.{name}")
    try:
        phone = clean_phone(h.phone)
    except CellError as err:
        raise DomainError(err.message, record=record, field="household.phone",
                          **err.params) from err
    day = batch.service_day if batch else service_day(session, compound=compound, at=at)
    order = Order(compound_id=compound.id, channel=data.channel, building=h.building.strip(),
                  unit=h.unit.strip(), room=h.room.strip(), resident=h.resident,
                  phone=phone, vulnerable=h.vulnerable,
                  substitution_allowed=data.substitution_allowed, note=data.note, owner=owner,
                  service_day=day, submitted_at=at, batch_id=batch.id if batch else None)
    order.lines = _lines(session, data.lines, record)
    order.duplicate_of_id = session.scalar(
        select(Order.id).where(Order.compound_id == compound.id, Order.service_day == day,
                               Order.building == order.building, Order.unit == order.unit,
                               Order.room == order.room,
                               Order.status != OrderStatus.CANCELLED)
        .order_by(Order.id).limit(1))
    order.events = [OrderEvent(from_status=None, to_status=OrderStatus.SUBMITTED, at=at,
                               by=owner)]
    session.add(order)
    return order


def submit(session: Session, data: OrderIn, *, owner: str, key: str | None = None,
           body_hash: str | None = None, at: datetime | None = None) -> tuple[Order, bool]:
    """Submit one household's order; returns (order, created).

    With an idempotency key, the same key returns the order it first created (created is
    False) and never makes a second one, even when two requests race: the unique key decides,
    and the loser reads the winner's order. The same key with a different body is refused.
    """
    when = at or utcnow()
    if key is not None:
        existing = _by_key(session, key)
        if existing is not None:
            return _same_request(existing, body_hash, key), False
    savepoint = session.begin_nested()
    try:
        order = _new_order(session, data, owner=owner, at=when)
        order.idempotency_key, order.request_hash = key, body_hash
        session.flush()
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        if key is None:
            raise
        existing = _by_key(session, key)
        if existing is None:
            raise
        return _same_request(existing, body_hash, key), False
    except BaseException:
        savepoint.rollback()
        raise
    return order, True


def _by_key(session: Session, key: str) -> Order | None:
    return session.scalar(select(Order).where(Order.idempotency_key == key)
                          .options(selectinload(Order.lines)))


def _same_request(order: Order, body_hash: str | None, key: str) -> Order:
    if order.request_hash != body_hash:
        raise Conflict(N_("Idempotency key {key} was already used for a different request"),
                       record=f"order {order.id}", field="Idempotency-Key", key=key)
    return order


def submit_group(session: Session, *, compound: str, leader: str, leader_phone: str,
                 households: Sequence[tuple[HouseholdIn, Sequence[LineIn]]], owner: str,
                 at: datetime | None = None) -> OrderBatch:
    """A group order (团购): every household's lines; each pack or product must reach its
    minimum lot over the whole group."""
    when = at or utcnow()
    region = _compound(session, compound)
    record = f"group order for {compound}"
    if not households:
        raise DomainError(N_("A group order needs at least one household"), record=record,
                          field="households")
    totals: dict[tuple[str, str], int] = {}
    for _h, lines in households:
        for line in lines:
            key = ("pack", line.pack) if line.pack else ("product", line.product or "")
            totals[key] = totals.get(key, 0) + line.quantity
    for (kind, code), total in totals.items():
        model = PackTemplate if kind == "pack" else Product
        lot = session.scalar(select(model.min_group_lot).where(model.code == code))
        if lot and total < lot:
            raise DomainError(N_("{code}: the group orders {total}, less than the minimum lot "
                                 "of {lot}"), record=record, field="lines", code=code,
                              total=total, lot=lot)
    batch = OrderBatch(compound_id=region.id, leader=leader, leader_phone=leader_phone,
                       service_day=service_day(session, compound=region, at=when))
    session.add(batch)
    session.flush()
    for household, lines in households:
        _new_order(session, OrderIn(compound, Channel.GROUP, household, lines), owner=owner,
                   at=when, batch=batch)
    session.flush()
    return batch


def get_order(session: Session, *, order_id: int) -> Order:
    """One order with its lines and events."""
    order = session.get(Order, order_id, options=[selectinload(Order.lines),
                                                  selectinload(Order.events)])
    if order is None:
        raise NotFound(N_("Unknown order {id}"), record=f"order {order_id}", field="id",
                       id=order_id)
    return order


def transition(session: Session, *, order_id: int, to: OrderStatus, by: str, reason: str = "",
               at: datetime | None = None) -> Order:
    """Move an order along its lifecycle; forbidden moves are refused and change nothing."""
    order = get_order(session, order_id=order_id)
    record = f"order {order_id}"
    if to not in TRANSITIONS[order.status]:
        raise Conflict(N_("An order that is {now} cannot become {to}"), record=record,
                       field="status", now=Label(STATUS_LABELS[order.status]),
                       to=Label(STATUS_LABELS[to]))
    if to in (OrderStatus.FAILED, OrderStatus.CANCELLED) and not reason.strip():
        raise DomainError(N_("Say why"), record=record, field="reason")
    order.events.append(OrderEvent(from_status=order.status, to_status=to, at=at or utcnow(),
                                   by=by, reason=reason))
    order.status = to
    session.flush()
    return order


def move_many(session: Session, *, orders: Iterable[Order], to: OrderStatus, by: str,
              reason: str = "") -> int:
    """Move every order that may make the move (others are left as they are); returns how
    many moved."""
    moved = 0
    now = utcnow()
    for order in orders:
        if to in TRANSITIONS[order.status]:
            order.events.append(OrderEvent(from_status=order.status, to_status=to, at=now,
                                           by=by, reason=reason))
            order.status = to
            moved += 1
    session.flush()
    return moved
