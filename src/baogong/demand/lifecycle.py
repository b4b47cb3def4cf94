"""Orders move along as the day's work happens: allocated by the plan, dispatched by the
routes, at the hand-off point when its deliveries are confirmed. Functions never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from baogong.demand.models import Order, OrderStatus
from baogong.demand.orders import move_many
from baogong.ledger.models import PackTemplate


def _pack_products(session: Session) -> dict[int, set[int]]:
    return {p.id: {i.product_id for i in p.items} for p in session.scalars(
        select(PackTemplate).options(selectinload(PackTemplate.items)))}


def allocate_orders(session: Session, *, day: date, unmet: set[tuple[int, int]],
                    by: str) -> int:
    """Accepted orders of the day become allocated when the plan left none of their products
    short in their compound. `unmet` holds (compound id, product id) pairs still short."""
    packs = _pack_products(session)
    ready = []
    for order in session.scalars(select(Order).options(selectinload(Order.lines)).where(
            Order.service_day == day, Order.status == OrderStatus.ACCEPTED)):
        needed: set[int] = set()
        for line in order.lines:
            needed |= packs[line.pack_id] if line.pack_id is not None else {line.product_id or 0}
        if not any((order.compound_id, p) in unmet for p in needed):
            ready.append(order)
    return move_many(session, orders=ready, to=OrderStatus.ALLOCATED, by=by,
                     reason="plan")


def dispatch_orders(session: Session, *, day: date, routed: set[int], short: set[int],
                    by: str) -> int:
    """Allocated orders of compounds whose loads are all on a route become dispatched.

    `routed` are compound ids with at least one routed stop, `short` those with load no vehicle
    could take.
    """
    ready = list(session.scalars(select(Order).options(selectinload(Order.events)).where(
        Order.service_day == day, Order.status == OrderStatus.ALLOCATED,
        Order.compound_id.in_(routed - short))))
    return move_many(session, orders=ready, to=OrderStatus.DISPATCHED, by=by, reason="route")


def arrive_orders(session: Session, *, day: date, compound_id: int, by: str) -> int:
    """Dispatched orders of a compound are at its hand-off point once its deliveries are in."""
    ready = list(session.scalars(select(Order).options(selectinload(Order.events)).where(
        Order.service_day == day, Order.status == OrderStatus.DISPATCHED,
        Order.compound_id == compound_id)))
    return move_many(session, orders=ready, to=OrderStatus.AT_HANDOFF, by=by,
                     reason="proof of delivery")

