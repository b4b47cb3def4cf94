"""Orders: submit from any channel, exactly once per idempotency key (through intake); group
orders with minimum lots; the lifecycle. Never commits."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.audit.service import record as audit_record
from baogong.demand import intake
from baogong.demand.intake import DEFAULT_CUTOFF_MINUTES, HouseholdIn, LineIn, OrderIn
from baogong.demand.models import Channel, Order, OrderBatch, OrderEvent, OrderRules, OrderStatus
from baogong.errors import Conflict, DomainError, Label, NotFound
from baogong.i18n import N_
from baogong.ledger.models import PackTemplate, Product
from baogong.regions.service import get_region
from baogong.types import utcnow

__all__ = ["DEFAULT_CUTOFF_MINUTES", "HouseholdIn", "LineIn", "OrderIn"]

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


def request_hash(body: Any) -> str:
    """A stable hash of a request body, to tell a retry from a different request."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def scoped_key(user_id: int, key: str) -> str:
    """The stored form of a client's idempotency key: bound to the account by its id, which
    holds no ':' (a user name may), so keys of different accounts never meet."""
    return f"{user_id}:{key}"


def mask_phone(phone: str) -> str:
    """138****1234: the first three and last four digits of a phone number."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


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


def submit(session: Session, data: OrderIn, *, owner: str, key: str | None = None,
           body_hash: str | None = None, at: datetime | None = None,
           actor: Actor | None = None) -> tuple[Order, bool]:
    """Submit one household's order; returns (order, created); with an actor, audited.

    With an idempotency key, the same key returns the order it first created (created is
    False) and never makes a second one, even when two requests race (see intake.place). The
    same key with a different body is refused.
    """
    placed, created = intake.place(session, data, owner=owner, key=key, body_hash=body_hash,
                                   at=at, actor=actor)
    return get_order(session, order_id=placed.id), created


def submit_group(session: Session, *, compound: str, leader: str, leader_phone: str,
                 households: Sequence[tuple[HouseholdIn, Sequence[LineIn]]], owner: str,
                 at: datetime | None = None) -> OrderBatch:
    """A group order (团购): every household's lines; each pack or product must reach its
    minimum lot over the whole group."""
    when = at or utcnow()
    where = intake.compound(session, compound)
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
    batch = OrderBatch(compound_id=where.id, leader=leader, leader_phone=leader_phone,
                       service_day=where.service_day(when))
    session.add(batch)
    session.flush()
    for household, lines in households:
        intake.place(session, OrderIn(compound, Channel.GROUP, household, lines), owner=owner,
                     at=when, batch_id=batch.id, day=batch.service_day)
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
               at: datetime | None = None, source: Source = Source.SYSTEM,
               ref: str = "") -> Order:
    """Move an order along its lifecycle, audited as moved by `by` through `source`;
    forbidden moves are refused and change nothing."""
    order = get_order(session, order_id=order_id)
    record = f"order {order_id}"
    if to not in TRANSITIONS[order.status]:
        raise Conflict(N_("An order that is {now} cannot become {to}"), record=record,
                       field="status", now=Label(STATUS_LABELS[order.status]),
                       to=Label(STATUS_LABELS[to]))
    if to in (OrderStatus.FAILED, OrderStatus.CANCELLED) and not reason.strip():
        raise DomainError(N_("Say why"), record=record, field="reason")
    audit_record(session, actor=Actor(by, source, ref), action="transition", entity="order",
                 key=str(order_id), before={"status": order.status},
                 after={"status": to, "reason": reason})
    order.events.append(OrderEvent(from_status=order.status, to_status=to, at=at or utcnow(),
                                   by=by, reason=reason))
    order.status = to
    session.flush()
    return order


def accept_submitted(session: Session, *, orders: Iterable[Order], by: str,
                     source: Source = Source.SYSTEM, ref: str = "") -> int:
    """Accept the submitted orders among `orders` (they join the day's plan), audited as one
    status change of all of them by `by` through `source`; returns how many moved."""
    pending = [o for o in orders if o.status is OrderStatus.SUBMITTED]
    moved = move_many(session, orders=pending, to=OrderStatus.ACCEPTED, by=by)
    if moved:
        audit_record(session, actor=Actor(by, source, ref), action="transition", entity="order",
                     key=",".join(str(o.id) for o in pending[:20]) + (
                         "…" if len(pending) > 20 else ""),
                     before={"status": OrderStatus.SUBMITTED},
                     after={"status": OrderStatus.ACCEPTED, "orders": moved})
    return moved


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
