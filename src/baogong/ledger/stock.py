"""The stock ledger: receipts, issues, adjustments and transfers. Functions never commit.

Every posting writes a StockMovement and updates the StockBalance row of (site, product) in
the same transaction, under a row lock on PostgreSQL. A balance never goes negative: the
service refuses with the record and field at fault, and the database's check constraint is
the last line of defence.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from baogong.audit.service import Actor
from baogong.audit.service import record as audit_record
from baogong.errors import Conflict, DomainError, Label
from baogong.i18n import N_
from baogong.ledger.models import MovementKind, Product, Site, StockBalance, StockMovement
from baogong.ledger.service import get_product, get_site
from baogong.types import UNIT_LABELS, utcnow

MOVEMENT_LABELS: dict[MovementKind, str] = {
    MovementKind.RECEIPT: N_("Receipt"),
    MovementKind.ISSUE: N_("Issue"),
    MovementKind.ADJUSTMENT: N_("Adjustment"),
    MovementKind.TRANSFER_OUT: N_("Transfer out"),
    MovementKind.TRANSFER_IN: N_("Transfer in"),
}


def _positive(quantity: Decimal, record: str) -> Decimal:
    q = Decimal(str(quantity))
    if q <= 0:
        raise DomainError(N_("Quantity must be positive (got {value})"), record=record,
                          field="quantity", value=q)
    return q


def _insert(session: Session) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING on both backends."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _locked_balance(session: Session, site: Site, product: Product) -> StockBalance:
    """The balance row of (site, product), locked until the transaction ends.

    A missing row is created race-free: of two transactions booking a product's first
    receipt at a site, one inserts and the other waits for it and then locks its row.
    """
    stmt = (
        select(StockBalance)
        .where(StockBalance.site_id == site.id, StockBalance.product_id == product.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    bal = session.scalar(stmt)
    if bal is None:
        session.execute(_insert(session)(StockBalance)
                        .values(site_id=site.id, product_id=product.id, quantity=Decimal("0"))
                        .on_conflict_do_nothing(index_elements=["site_id", "product_id"]))
        bal = session.scalars(stmt).one()
    return bal


def create_balances(session: Session,
                    keys: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Create zero balances for (site id, product id) pairs that have none, race-free (rows
    another transaction creates meanwhile are left to it); returns the pairs created here."""
    rows = [{"site_id": s, "product_id": p, "quantity": Decimal("0")} for s, p in keys]
    if not rows:
        return set()
    stmt = (_insert(session)(StockBalance)
            .on_conflict_do_nothing(index_elements=["site_id", "product_id"])
            .returning(StockBalance.site_id, StockBalance.product_id))
    return {(s, p) for s, p in session.execute(stmt, rows)}


def _post(
    session: Session,
    *,
    site: Site,
    product: Product,
    kind: MovementKind,
    delta: Decimal,
    reason: str,
    by: str,
    at: datetime | None,
    transfer_ref: str | None = None,
) -> StockMovement:
    bal = _locked_balance(session, site, product)
    new = bal.quantity + delta
    if new < 0:
        raise Conflict(
            N_("{kind} of {qty} {unit} exceeds the balance of {balance} {unit}"),
            record=f"site {site.code} / product {product.code}", field="quantity",
            kind=Label(MOVEMENT_LABELS[kind]), qty=-delta, unit=Label(UNIT_LABELS[product.unit]),
            balance=bal.quantity,
        )
    bal.quantity = new
    move = StockMovement(site_id=site.id, product_id=product.id, kind=kind, quantity=delta,
                         reason=reason, recorded_by=by, occurred_at=at or utcnow(),
                         transfer_ref=transfer_ref)
    session.add(move)
    session.flush()
    return move


def receive(session: Session, *, site_code: str, product_code: str, quantity: Decimal,
            reason: str = "", by: str = "", at: datetime | None = None) -> StockMovement:
    """Book goods received at a site."""
    site, product = get_site(session, code=site_code), get_product(session, code=product_code)
    q = _positive(quantity, f"site {site_code} / product {product_code}")
    return _post(session, site=site, product=product, kind=MovementKind.RECEIPT, delta=q,
                 reason=reason, by=by, at=at)


def issue(session: Session, *, site_code: str, product_code: str, quantity: Decimal,
          reason: str = "", by: str = "", at: datetime | None = None) -> StockMovement:
    """Book goods leaving a site; refused if it would take the balance below zero."""
    site, product = get_site(session, code=site_code), get_product(session, code=product_code)
    q = _positive(quantity, f"site {site_code} / product {product_code}")
    return _post(session, site=site, product=product, kind=MovementKind.ISSUE, delta=-q,
                 reason=reason, by=by, at=at)


def adjust(session: Session, *, site_code: str, product_code: str, delta: Decimal, reason: str,
           by: str = "", at: datetime | None = None) -> StockMovement:
    """Book a signed correction (count difference, damage, expiry); a reason is required."""
    record = f"site {site_code} / product {product_code}"
    site, product = get_site(session, code=site_code), get_product(session, code=product_code)
    if not reason.strip():
        raise DomainError(N_("An adjustment needs a reason"), record=record, field="reason")
    d = Decimal(str(delta))
    if d == 0:
        raise DomainError(N_("An adjustment of zero changes nothing"), record=record,
                          field="quantity")
    return _post(session, site=site, product=product, kind=MovementKind.ADJUSTMENT, delta=d,
                 reason=reason, by=by, at=at)


def transfer(session: Session, *, from_site: str, to_site: str, product_code: str,
             quantity: Decimal, reason: str = "", by: str = "",
             at: datetime | None = None) -> tuple[StockMovement, StockMovement]:
    """Move stock between two sites as a linked out/in pair; all or nothing."""
    record = f"site {from_site} / product {product_code}"
    if from_site == to_site:
        raise DomainError(N_("A transfer needs two different sites"), record=record,
                          field="to_site")
    src, dst = get_site(session, code=from_site), get_site(session, code=to_site)
    product = get_product(session, code=product_code)
    q = _positive(quantity, record)
    ref = uuid.uuid4().hex[:16]
    out = _post(session, site=src, product=product, kind=MovementKind.TRANSFER_OUT, delta=-q,
                reason=reason, by=by, at=at, transfer_ref=ref)
    inn = _post(session, site=dst, product=product, kind=MovementKind.TRANSFER_IN, delta=q,
                reason=reason, by=by, at=at, transfer_ref=ref)
    return out, inn


def balance(session: Session, *, site_code: str, product_code: str) -> Decimal:
    """The current balance of a product at a site, in the product's unit."""
    site, product = get_site(session, code=site_code), get_product(session, code=product_code)
    value = session.scalar(select(StockBalance.quantity).where(
        StockBalance.site_id == site.id, StockBalance.product_id == product.id))
    return value if value is not None else Decimal("0")


@dataclass(frozen=True)
class OpeningStock:
    """One opening-stock line for a bulk load: ids already resolved, quantity > 0."""

    site_id: int
    product_id: int
    quantity: Decimal


def receive_opening(session: Session, lines: Iterable[OpeningStock], *, by: str,
                    at: datetime | None = None, reason: str = "opening stock") -> int:
    """Book many receipts into sites that hold none of these products yet (bulk, fast).

    Used when a ledger is first loaded. Refuses if any (site, product) already has a balance,
    so that the balances stay the running sum of the movements.
    """
    rows = list(lines)
    when = at or utcnow()
    for line in rows:
        if line.quantity <= 0:
            raise DomainError(N_("Quantity must be positive (got {value})"),
                              record=f"site #{line.site_id} / product #{line.product_id}",
                              field="quantity", value=line.quantity)
    if session.scalar(select(func.count()).select_from(StockBalance).where(
            StockBalance.site_id.in_({r.site_id for r in rows}))):
        raise Conflict(N_("Opening stock can only be booked into empty sites"),
                       record="stock", field="site")
    if not rows:
        return 0
    session.execute(insert(StockMovement), [
        {"site_id": r.site_id, "product_id": r.product_id, "kind": MovementKind.RECEIPT,
         "quantity": r.quantity, "reason": reason, "recorded_by": by, "occurred_at": when}
        for r in rows])
    session.execute(insert(StockBalance), [
        {"site_id": r.site_id, "product_id": r.product_id, "quantity": r.quantity}
        for r in rows])
    return len(rows)


def ledger_mismatches(session: Session) -> list[tuple[int, int, Decimal, Decimal]]:
    """(site_id, product_id, ledger sum, balance) wherever the balance is not the ledger's sum."""
    sums = dict(
        ((s, p), q) for s, p, q in session.execute(
            select(StockMovement.site_id, StockMovement.product_id,
                   func.sum(StockMovement.quantity))
            .group_by(StockMovement.site_id, StockMovement.product_id)))
    bals = {(b.site_id, b.product_id): b.quantity for b in session.scalars(select(StockBalance))}
    out = []
    for key in sorted(set(sums) | set(bals)):
        ledger_sum = Decimal(str(sums.get(key, 0))).quantize(Decimal("0.001"))
        bal = bals.get(key, Decimal("0"))
        if ledger_sum != bal:
            out.append((key[0], key[1], ledger_sum, bal))
    return out


def available_stock(session: Session) -> dict[int, Decimal]:
    """Stock by product id at open sites of suppliers allocation may use (verified/overridden)."""
    from sqlalchemy import or_

    from baogong.ledger.models import Enterprise, Qualification

    rows = session.execute(
        select(StockBalance.product_id, func.sum(StockBalance.quantity))
        .join(Site, Site.id == StockBalance.site_id)
        .join(Enterprise, Enterprise.id == Site.enterprise_id)
        .where(Site.is_open.is_(True),
               or_(Enterprise.qualification == Qualification.VERIFIED,
                   Enterprise.allocation_override.is_(True)))
        .group_by(StockBalance.product_id))
    return {pid: Decimal(str(q)).quantize(Decimal("0.001")) for pid, q in rows}


def count(session: Session, *, site_code: str, product_code: str, counted: Decimal,
          actor: Actor, note: str = "") -> StockMovement | None:
    """Book a counted stock: the difference from the balance becomes an adjustment.

    The balance is read under the row lock it is booked under, so that simultaneous counts
    and receipts serialise. Returns the adjustment (the balance before is the count minus
    its quantity), or None when the count matches the books.
    """
    record_name = f"site {site_code} / product {product_code}"
    c = Decimal(str(counted))
    if c < 0:
        raise DomainError(N_("A counted stock cannot be negative (got {value})"),
                          record=record_name, field="quantity", value=c)
    site, product = get_site(session, code=site_code), get_product(session, code=product_code)
    book = _locked_balance(session, site, product).quantity
    if c == book:
        return None
    reason = f"盘点 {note}".strip() if note else "盘点"
    move = _post(session, site=site, product=product, kind=MovementKind.ADJUSTMENT,
                 delta=c - book, reason=reason, by=actor.name, at=None)
    audit_record(session, actor=actor, action="count", entity="stock",
                 key=f"{site_code}/{product_code}", before={"quantity": str(book)},
                 after={"quantity": str(c)})
    return move


def movements(session: Session, *, site_code: str, product_code: str | None = None,
              limit: int = 100) -> list[tuple[StockMovement, str]]:
    """A site's stock movements, newest first, with the product code."""
    site = get_site(session, code=site_code)
    stmt = (select(StockMovement, Product.code).join(Product)
            .where(StockMovement.site_id == site.id)
            .order_by(StockMovement.occurred_at.desc(), StockMovement.id.desc()).limit(limit))
    if product_code:
        stmt = stmt.where(Product.code == product_code)
    return [(m, code) for m, code in session.execute(stmt)]
