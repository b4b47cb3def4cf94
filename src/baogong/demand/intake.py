"""Order intake, the hot path: one household's order in five statements, exactly once per
idempotency key. Never commits.

The order row is inserted with ON CONFLICT (idempotency_key) DO NOTHING, so the database's
unique key settles a race between two requests carrying the same key: the loser's insert
returns no row, and it reads the winner's order instead. No savepoint, no ORM unit of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from baogong.audit.service import Actor, record_now
from baogong.demand import intake_pg
from baogong.demand.models import Channel, Order, OrderEvent, OrderLine, OrderRules, OrderStatus
from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_
from baogong.ledger.excel.cells import CellError
from baogong.ledger.excel.cells import phone as clean_phone
from baogong.ledger.models import PackTemplate, Product
from baogong.regions.models import Region, RegionLevel
from baogong.types import CHINA_TZ, utcnow

DEFAULT_CUTOFF_MINUTES = 20 * 60
ORDERS: Table = Order.__table__  # type: ignore[assignment]
LINES: Table = OrderLine.__table__  # type: ignore[assignment]
EVENTS: Table = OrderEvent.__table__  # type: ignore[assignment]


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


@dataclass(frozen=True)
class PlacedLine:
    """A stored line, with the codes it was ordered by and its prices at order time."""

    pack: str | None
    product: str | None
    quantity: int
    unit_cost: Decimal
    unit_price: Decimal
    unit_subsidy: Decimal


@dataclass(frozen=True)
class PlacedEvent:
    """One stored lifecycle step."""

    from_status: OrderStatus | None
    to_status: OrderStatus
    at: datetime
    by: str
    reason: str


@dataclass(frozen=True)
class Placed:
    """A stored order as plain values: what the API answers with."""

    id: int
    compound: str
    channel: Channel
    status: OrderStatus
    service_day: date
    building: str
    unit: str
    room: str
    resident: str
    phone: str
    vulnerable: bool
    substitution_allowed: bool
    note: str
    owner: str
    duplicate_of: int | None
    lines: tuple[PlacedLine, ...]
    events: tuple[PlacedEvent, ...]


@dataclass(frozen=True)
class Compound:
    """What intake needs to know of a compound: its id and the cut-off that applies."""

    id: int
    code: str
    cutoff_minutes: int

    def service_day(self, at: datetime) -> date:
        """The day an order placed at `at` is served: today before the cut-off, else
        tomorrow (China time)."""
        local = at.astimezone(CHINA_TZ)
        late = local.hour * 60 + local.minute >= self.cutoff_minutes
        return local.date() + timedelta(days=1 if late else 0)


_RULE_IN_PATH = Region.path.contains("/" + cast(OrderRules.region_id, String) + "/")
_MONEY = PackTemplate.cost.type
_NO_MONEY = cast(null(), _MONEY)
_LOOKUP: Any = union_all(
    select(literal("compound").label("kind"), Region.code.label("code"), Region.id.label("id"),
           Region.level.label("level"), Region.path.label("path"),
           OrderRules.region_id.label("rule_region"), OrderRules.cutoff_minutes.label("cutoff"),
           _NO_MONEY.label("cost"), _NO_MONEY.label("price"), _NO_MONEY.label("subsidy"))
    .outerjoin(OrderRules, _RULE_IN_PATH).where(Region.code == bindparam("code")),
    select(literal("pack"), PackTemplate.code, PackTemplate.id, null(), null(), null(), null(),
           PackTemplate.cost, PackTemplate.price, PackTemplate.subsidy)
    .where(PackTemplate.code.in_(bindparam("packs", expanding=True)),
           PackTemplate.active.is_(True)),
    select(literal("product"), Product.code, Product.id, null(), null(), null(), null(),
           Product.unit_cost, Product.unit_price, cast(literal(0), _MONEY))
    .where(Product.code.in_(bindparam("products", expanding=True))))
"""The compound with the cut-off rules on its path, and the ordered packs and products with
their prices, in one round trip."""
_SAME_HOUSEHOLD = (select(func.min(ORDERS.c.id)).where(
    ORDERS.c.compound_id == bindparam("compound_id"),
    ORDERS.c.service_day == bindparam("service_day"),
    ORDERS.c.building == bindparam("building"), ORDERS.c.unit == bindparam("unit"),
    ORDERS.c.room == bindparam("room"), ORDERS.c.status != OrderStatus.CANCELLED)
    .scalar_subquery())
_ORDER_COLUMNS = ("compound_id", "batch_id", "channel", "status", "building", "unit", "room",
                  "resident", "phone", "vulnerable", "substitution_allowed", "note", "owner",
                  "service_day", "submitted_at", "idempotency_key", "request_hash")
_BY_KEY = select(ORDERS.c.id).where(ORDERS.c.idempotency_key == bindparam("key"))
_LINE = LINES.insert()
_EVENT = EVENTS.insert()
_SQLITE_INSERT = (sqlite.insert(ORDERS)
                  .values({name: bindparam(name) for name in _ORDER_COLUMNS}
                          | {"duplicate_of_id": _SAME_HOUSEHOLD}))
_SQLITE_INSERTS = {
    keyed: (_SQLITE_INSERT.on_conflict_do_nothing(index_elements=[ORDERS.c.idempotency_key])
            if keyed else _SQLITE_INSERT).returning(ORDERS.c.id, ORDERS.c.duplicate_of_id)
    for keyed in (False, True)}
"""The statements are built once: SQLAlchemy then finds their compiled form in its cache
without walking them again on every order."""


@dataclass(frozen=True)
class _Found:
    """What one lookup found: the compound's rows, and packs and products by code."""

    compound: list[Any]
    packs: dict[str, Any]
    products: dict[str, Any]


def _lookup(session: Session, code: str, lines: Sequence[LineIn] = ()) -> _Found:
    packs = sorted({c for ln in lines if (c := ln.pack) is not None})
    products = sorted({c for ln in lines if (c := ln.product) is not None})
    found = _Found([], {}, {})
    for row in session.connection().execute(
            _LOOKUP, {"code": code, "packs": packs, "products": products}):
        if row.kind == "compound":
            found.compound.append(row)
        else:
            (found.packs if row.kind == "pack" else found.products)[row.code] = row
    return found


def compound(session: Session, code: str, found: _Found | None = None) -> Compound:
    """The compound of this code with its cut-off (the most specific district rule wins)."""
    rows = (found or _lookup(session, code)).compound
    if not rows:
        raise NotFound(N_("Unknown region code {code}"), record=f"region {code}", field="code",
                       code=code)
    region_id, level, path = rows[0].id, rows[0].level, rows[0].path
    if level is not RegionLevel.COMPOUND:
        raise DomainError(N_("Orders are placed for a compound, not a {level}"),
                          record=f"region {code}", field="compound", level=level.value)
    depth = {int(part): i for i, part in enumerate(path.strip("/").split("/"))}
    rules = sorted((depth.get(r.rule_region, -1), r.cutoff) for r in rows
                   if r.rule_region is not None)
    return Compound(region_id, code, rules[-1][1] if rules else DEFAULT_CUTOFF_MINUTES)


def _check_lines(lines: Sequence[LineIn], record: str) -> None:
    if not lines:
        raise DomainError(N_("An order needs at least one line"), record=record, field="lines")
    for i, line in enumerate(lines):
        where = f"{record} line {i + 1}"
        if line.quantity < 1:
            raise DomainError(N_("Quantity must be positive (got {value})"), record=where,
                              field="quantity", value=line.quantity)
        if (line.pack is None) == (line.product is None):
            raise DomainError(N_("A line names a pack or a product, not both"), record=where,
                              field="pack")


def priced_lines(found: _Found, lines: Sequence[LineIn], record: str) -> list[dict[str, Any]]:
    """Each line with its pack or product id and the price at order time; unknown or unpriced
    codes are refused with the line they are on."""
    found_packs, found_products = found.packs, found.products
    out = []
    for i, line in enumerate(lines):
        where = f"{record} line {i + 1}"
        if line.pack is not None:
            pack = found_packs.get(line.pack)
            if pack is None:
                raise NotFound(N_("Unknown pack {code}"), record=where, field="pack",
                               code=line.pack)
            out.append({"pack_id": pack.id, "product_id": None, "quantity": line.quantity,
                        "unit_cost": pack.cost, "unit_price": pack.price,
                        "unit_subsidy": pack.subsidy})
            continue
        product = found_products.get(line.product or "")
        if product is None:
            raise NotFound(N_("Unknown product code {code}"), record=where, field="product",
                           code=line.product)
        if product.price is None:
            raise DomainError(N_("Product {code} has no price and cannot be ordered"),
                              record=where, field="product", code=line.product)
        out.append({"pack_id": None, "product_id": product.id, "quantity": line.quantity,
                    "unit_cost": product.cost or product.price,
                    "unit_price": product.price, "unit_subsidy": Decimal(0)})
    return out


def _household(data: OrderIn, record: str) -> tuple[str, str, str, str]:
    h = data.household
    for name, value in (("building", h.building), ("room", h.room)):
        if not value.strip():
            raise DomainError(N_("is required"), record=record, field=f"household.{name}")
    try:
        phone = clean_phone(h.phone)
    except CellError as err:
        raise DomainError(err.message, record=record, field="household.phone",
                          **err.params) from err
    return h.building.strip(), h.unit.strip(), h.room.strip(), phone


def _insert_order_sqlite(session: Session, values: dict[str, Any], keyed: bool) -> Any:
    """Insert the order row alone (SQLite; PostgreSQL writes everything in intake_pg)."""
    return session.connection().execute(_SQLITE_INSERTS[keyed], values).first()


def place(session: Session, data: OrderIn, *, owner: str, key: str | None = None,
          body_hash: str | None = None, at: datetime | None = None,
          batch_id: int | None = None, day: date | None = None,
          actor: Actor | None = None) -> tuple[Placed, bool]:
    """Store one household's order; returns (order, created). With an actor, its creation is
    recorded in the audit trail in the same write.

    With an idempotency key, the same key returns the order it first made (created False)
    and never makes a second one, however the requests race; the key with a different body
    is refused. A household that already ordered for the day is flagged, not refused.
    """
    when = at or utcnow()
    h = data.household
    record = f"order for {data.compound} {h.building}-{h.unit}-{h.room}"
    try:
        building, unit, room, phone = _household(data, record)
        _check_lines(data.lines, record)
        found = _lookup(session, data.compound, data.lines)
        where = compound(session, data.compound, found)
        lines = priced_lines(found, data.lines, record)
    except DomainError:
        if key is not None and (known := by_key(session, key, body_hash)) is not None:
            return known, False  # a retry of an order made before its codes changed
        raise
    service_day = day or where.service_day(when)
    values = {
        "compound_id": where.id, "batch_id": batch_id, "channel": data.channel,
        "building": building, "unit": unit, "room": room, "resident": h.resident,
        "phone": phone, "vulnerable": h.vulnerable,
        "substitution_allowed": data.substitution_allowed, "note": data.note, "owner": owner,
        "service_day": service_day, "submitted_at": when, "idempotency_key": key,
        "request_hash": body_hash}
    audit = {"compound": data.compound, "channel": data.channel.value}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        row = intake_pg.write_order(conn, values, lines, None if actor is None else {
            "actor": actor.name, "source": actor.source.value, "ref": actor.ref,
            "after": audit})
    else:
        row = _insert_order_sqlite(session, values | {"status": OrderStatus.SUBMITTED},
                            keyed=key is not None)
    if row is None:  # the key is taken: by a retry, or by a request that won the race
        known = by_key(session, key or "", body_hash)
        if known is None:  # pragma: no cover - the conflicting row vanished (rolled back)
            raise Conflict(N_("Idempotency key {key} is in use; try again"),
                           record=record, field="Idempotency-Key", key=key)
        return known, False
    order_id, duplicate_of = row
    event = PlacedEvent(None, OrderStatus.SUBMITTED, when, owner, "")
    if conn.dialect.name != "postgresql":
        conn.execute(_LINE, [{"order_id": order_id, **ln} for ln in lines])
        conn.execute(_EVENT, {"order_id": order_id, "from_status": None,
                              "to_status": OrderStatus.SUBMITTED, "at": when, "by": owner,
                              "reason": ""})
        if actor is not None:
            record_now(session, actor=actor, action="create", entity="order",
                       key=str(order_id), after=audit)
    placed_lines = tuple(
        PlacedLine(src.pack, src.product, ln["quantity"], ln["unit_cost"], ln["unit_price"],
                   ln["unit_subsidy"]) for src, ln in zip(data.lines, lines, strict=True))
    return Placed(order_id, data.compound, data.channel, OrderStatus.SUBMITTED, service_day,
                  building, unit, room, h.resident, phone, h.vulnerable,
                  data.substitution_allowed, data.note, owner, duplicate_of, placed_lines,
                  (event,)), True


def by_key(session: Session, key: str, body_hash: str | None) -> Placed | None:
    """The order an idempotency key made, if any; the key with another body is refused."""
    order_id = session.connection().execute(_BY_KEY, {"key": key}).scalar()
    if order_id is None:
        return None
    placed, request_hash = load(session, order_id)
    if request_hash != body_hash:
        raise Conflict(N_("Idempotency key {key} was already used for a different request"),
                       record=f"order {order_id}", field="Idempotency-Key", key=key)
    return placed


def load(session: Session, order_id: int) -> tuple[Placed, str | None]:
    """A stored order as plain values, with its request hash."""
    found = load_many(session, [order_id])
    if not found:
        raise NotFound(N_("Unknown order {id}"), record=f"order {order_id}", field="id",
                       id=order_id)
    return found[0]


def load_many(session: Session, order_ids: Sequence[int]) -> list[tuple[Placed, str | None]]:
    """Stored orders as plain values with their request hashes, in the order of the ids
    given (unknown ids are left out), in three queries whatever their number."""
    if not order_ids:
        return []
    rows = session.execute(select(Order, Region.code).join(Region, Region.id == Order.compound_id)
                           .where(Order.id.in_(order_ids))).all()
    lines: dict[int, list[PlacedLine]] = {}
    for r in session.execute(
            select(LINES.c.order_id, LINES.c.quantity, LINES.c.unit_cost, LINES.c.unit_price,
                   LINES.c.unit_subsidy, PackTemplate.code.label("pack"),
                   Product.code.label("product"))
            .outerjoin(PackTemplate, PackTemplate.id == LINES.c.pack_id)
            .outerjoin(Product, Product.id == LINES.c.product_id)
            .where(LINES.c.order_id.in_(order_ids)).order_by(LINES.c.id)):
        lines.setdefault(r.order_id, []).append(
            PlacedLine(r.pack, r.product, r.quantity, r.unit_cost, r.unit_price, r.unit_subsidy))
    events: dict[int, list[PlacedEvent]] = {}
    for e in session.execute(select(OrderEvent).where(OrderEvent.order_id.in_(order_ids))
                             .order_by(OrderEvent.id)).scalars():
        events.setdefault(e.order_id, []).append(
            PlacedEvent(e.from_status, e.to_status, e.at, e.by, e.reason))
    by_id = {
        order.id: (Placed(
            order.id, code, order.channel, order.status, order.service_day, order.building,
            order.unit, order.room, order.resident, order.phone, order.vulnerable,
            order.substitution_allowed, order.note, order.owner, order.duplicate_of_id,
            tuple(lines.get(order.id, ())), tuple(events.get(order.id, ()))),
            order.request_hash)
        for order, code in rows}
    return [by_id[i] for i in order_ids if i in by_id]
