"""API: orders from platforms and community accounts, exactly once per Idempotency-Key."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, Field, StrictBool
from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.db import single_write, unit_of_work
from baogong.demand import intake, orders, queries
from baogong.demand.models import Channel, Order, OrderStatus
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.regions.models import Region, RegionLevel
from baogong.web.deps import DbSession, Factory
from baogong.web.errors import ApiError
from baogong.web.schemas import Count, Day

OrderId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Order id")]
router = APIRouter(tags=["orders"])
Orderer = Annotated[Principal, require(Role.COMMAND, Role.COMMUNITY)]


class HouseholdBody(BaseModel):
    """Who the order is for."""

    building: str = Field(min_length=1, max_length=20)
    unit: str = Field(default="", max_length=20)
    room: str = Field(min_length=1, max_length=20)
    phone: str = Field(min_length=5, max_length=20)
    resident: str = Field(default="", max_length=60)
    vulnerable: StrictBool = False


class LineBody(BaseModel):
    """A pack or a product and how many."""

    pack: str | None = Field(default=None, max_length=40)
    product: str | None = Field(default=None, max_length=40)
    quantity: Count = Field(ge=1, le=1000)


class OrderBody(BaseModel):
    """A household's order."""

    compound: str = Field(max_length=40)
    channel: Channel = Channel.PLATFORM
    household: HouseholdBody
    lines: list[LineBody] = Field(min_length=1, max_length=50)
    substitution_allowed: StrictBool = True
    note: str = Field(default="", max_length=300)


class LineOut(BaseModel):
    """A line with its prices at order time (yuan)."""

    pack: str | None
    product: str | None
    quantity: int
    unit_cost: Decimal
    unit_price: Decimal
    unit_subsidy: Decimal


class EventOut(BaseModel):
    """One step of the lifecycle."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    by: str
    reason: str


class OrderOut(BaseModel):
    """An order; the phone is masked for all but its owner and the command centre."""

    id: int
    compound: str
    channel: Channel
    status: OrderStatus
    service_day: date
    household: HouseholdBody
    lines: list[LineOut]
    duplicate_of: int | None
    owner: str
    events: list[EventOut]


class OrderList(BaseModel):
    """A page of orders; pass next_cursor as ?cursor= for the next page."""

    items: list[OrderOut]
    next_cursor: int | None


class TransitionBody(BaseModel):
    """Move an order to a status (a reason is required to cancel or fail)."""

    to: OrderStatus
    reason: str = Field(default="", max_length=300)


def _allowed_compounds(db: Session, scope: Scope) -> list[int] | None:
    """Compound ids a scope may order for and see (None: all)."""
    if scope.sees_all:
        return None
    if scope.role is not Role.COMMUNITY or scope.region_path is None:
        return []
    return list(db.scalars(select(Region.id).where(
        Region.level == RegionLevel.COMPOUND, Region.path.startswith(scope.region_path))))


def _out(order: intake.Placed, principal: Principal) -> OrderOut:
    mine = principal.scope.sees_all or order.owner == principal.username
    return OrderOut(
        id=order.id, compound=order.compound, channel=order.channel, status=order.status,
        service_day=order.service_day,
        household=HouseholdBody(building=order.building, unit=order.unit, room=order.room,
                                phone=order.phone if mine else orders.mask_phone(order.phone),
                                resident=order.resident, vulnerable=order.vulnerable),
        lines=[LineOut.model_validate(ln, from_attributes=True) for ln in order.lines],
        duplicate_of=order.duplicate_of, owner=order.owner,
        events=[EventOut.model_validate(e, from_attributes=True) for e in order.events])


def _check_compound(db: Session, principal: Principal, code: str) -> None:
    allowed = _allowed_compounds(db, principal.scope)
    if allowed is None:
        return
    region = db.scalar(select(Region).where(Region.code == code))
    if region is None or region.id not in allowed:
        raise ApiError(403, N_("You may order only for your own compounds"), code="forbidden",
                       field="compound")


@router.post("/orders", response_model=OrderOut, status_code=201,
             responses={200: {"model": OrderOut, "description": "The order this key made"}})
def create_order(body: OrderBody, request: Request, response: Response, factory: Factory,
                 principal: Orderer,
                 idempotency_key: Annotated[str | None, Header(
                     min_length=1, max_length=200,
                     description="Same key, same order: retries are safe (1 to 200 "
                                 "characters, per account)")] = None) -> OrderOut:
    """Submit a household's order; a retry with the same Idempotency-Key returns the same
    order (200) and never makes a second one; the key with another body is refused (409)."""
    data = intake.OrderIn(
        body.compound, body.channel, intake.HouseholdIn(
            body.household.building, body.household.room, body.household.phone,
            body.household.unit, body.household.resident, body.household.vulnerable),
        [intake.LineIn(ln.quantity, ln.pack, ln.product) for ln in body.lines],
        body.substitution_allowed, body.note)
    key = None if idempotency_key is None else orders.scoped_key(principal.user_id,
                                                                 idempotency_key)
    with single_write(factory) as db:  # the order is written by one statement on PostgreSQL
        _check_compound(db, principal, body.compound)
        order, created = intake.place(
            db, data, owner=principal.username, key=key, actor=principal.actor(request),
            body_hash=orders.request_hash(body.model_dump(mode="json")))
        out = _out(order, principal)
        to = audience.of_region(db, code=body.compound) if (
            created and request.app.state.bus.listeners) else None
    if created:
        request.app.state.bus.publish("order", to, id=out.id, compound=out.compound)
    else:
        response.status_code = 200
    return out


@router.get("/orders", response_model=OrderList)
def list_orders(db: DbSession, principal: Orderer,
                compound: Annotated[str | None, Query(max_length=40)] = None,
                status: OrderStatus | None = None, day: Day | None = None,
                cursor: Annotated[int | None,
                                  Query(ge=0, le=2**31 - 1, description="Last id seen")] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> OrderList:
    """Orders in scope, oldest first, filtered by compound, status and service day."""
    allowed = _allowed_compounds(db, principal.scope)
    ids: list[int] | None = allowed
    if compound is not None:
        region = db.scalar(select(Region).where(Region.code == compound))
        ids = [] if region is None or (allowed is not None and region.id not in allowed) \
            else [region.id]
    rows = queries.list_orders(db, compound_ids=ids, status=status, day=day, after_id=cursor,
                               limit=limit + 1)
    page = rows[:limit]
    found = intake.load_many(db, [o.id for o in page])
    items = [_out(placed, principal) for placed, _hash in found]
    return OrderList(items=items, next_cursor=page[-1].id if len(rows) > limit else None)


def _scoped_order(db: Session, principal: Principal, order_id: int) -> Order:
    order = db.get(Order, order_id)
    allowed = _allowed_compounds(db, principal.scope)
    if order is None or (allowed is not None and order.compound_id not in allowed):
        raise NotFound(N_("Unknown order {id}"), record=f"order {order_id}", field="id",
                       id=order_id)
    return order


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: OrderId, db: DbSession, principal: Orderer) -> OrderOut:
    """One order with its lifecycle, visible to the household's community worker."""
    _scoped_order(db, principal, order_id)
    return _out(intake.load(db, order_id)[0], principal)


@router.post("/orders/{order_id}/transitions", response_model=OrderOut)
def move_order(order_id: OrderId, body: TransitionBody, request: Request, factory: Factory,
               principal: Orderer) -> OrderOut:
    """Accept, cancel, confirm delivered or failed, close: forbidden moves are refused (409)."""
    with unit_of_work(factory) as db:
        _scoped_order(db, principal, order_id)
        actor = principal.actor(request)
        orders.transition(db, order_id=order_id, to=body.to, by=actor.name, reason=body.reason,
                          source=actor.source, ref=actor.ref)
        out = _out(intake.load(db, order_id)[0], principal)
        to = audience.of_order(db, order_id=order_id)
    request.app.state.bus.publish("order", to, id=order_id, status=body.to.value)
    return out
