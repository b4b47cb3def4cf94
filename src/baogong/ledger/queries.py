"""Scoped reads and writes of enterprises, sites and stock, for the web and the API.

An enterprise user sees its own enterprise and sites only; a driver sees the home site of
its vehicle; the command centre and inspectors see every one. Out of scope is not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from baogong.audit.service import Actor, record
from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.delivery.models import Vehicle
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.ledger import stock
from baogong.ledger.models import (
    Enterprise,
    PackItem,
    PackTemplate,
    Product,
    ProductCategory,
    Site,
    StockBalance,
    StockMovement,
)
from baogong.regions.models import Region
from baogong.regions.service import get_region


class MovementRequest(StrEnum):
    """Stock movements a page or API client may post."""

    RECEIPT = "receipt"
    ISSUE = "issue"
    ADJUSTMENT = "adjustment"


def _site_filter(session: Session, stmt: Any, scope: Scope) -> Any:
    if scope.sees_all:
        return stmt
    if scope.role is Role.ENTERPRISE and scope.enterprise_id is not None:
        return stmt.where(Site.enterprise_id == scope.enterprise_id)
    if scope.role is Role.DRIVER and scope.vehicle_id is not None:
        home = session.scalar(select(Vehicle.home_site_id).where(Vehicle.id == scope.vehicle_id))
        return stmt.where(Site.id == (home or -1))
    return stmt.where(Site.id == -1)


def enterprises_page(session: Session, *, scope: Scope, limit: int = 50,
                     offset: int = 0) -> tuple[list[Enterprise], int]:
    """Enterprises in scope, by name."""
    stmt = select(Enterprise)
    if not scope.sees_all:
        stmt = stmt.where(Enterprise.id == (
            scope.enterprise_id if scope.role is Role.ENTERPRISE and scope.enterprise_id else -1))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Enterprise.name, Enterprise.id)
                           .limit(limit).offset(offset))
    return list(rows), int(total)


def sites_page(session: Session, *, scope: Scope, region: str | None = None,
               enterprise: str | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[Site], int]:
    """Sites in scope, optionally under a region or of one enterprise (credit code)."""
    stmt = _site_filter(session, select(Site), scope)
    if region:
        path = get_region(session, code=region).path
        stmt = stmt.join(Region, Region.id == Site.region_id).where(Region.path.startswith(path))
    if enterprise:
        stmt = stmt.join(Enterprise, Enterprise.id == Site.enterprise_id).where(
            Enterprise.credit_code == enterprise)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Site.enterprise)).order_by(Site.code)
                           .limit(limit).offset(offset))
    return list(rows), int(total)


def all_sites(session: Session, *, scope: Scope) -> list[Site]:
    """Every site in scope (for maps and pages)."""
    return list(session.scalars(_site_filter(session, select(Site), scope).order_by(Site.code)))


def site_in_scope(session: Session, *, scope: Scope, code: str) -> Site:
    """The site with this code if in scope; NotFound otherwise (whether or not it exists)."""
    site: Site | None = session.scalar(
        _site_filter(session, select(Site).where(Site.code == code), scope))
    if site is None:
        raise NotFound(N_("Unknown site {code}"), record=f"site {code}", field="code", code=code)
    return site


@dataclass(frozen=True)
class StockLine:
    """A product's balance at a site."""

    product: Product
    quantity: Decimal

    @property
    def kg(self) -> Decimal:
        """The balance in kg."""
        return self.quantity * self.product.kg_per_unit


def site_stock(session: Session, *, scope: Scope, code: str) -> tuple[Site, list[StockLine]]:
    """Balances of every product at a site in scope."""
    site = site_in_scope(session, scope=scope, code=code)
    rows = session.execute(select(Product, StockBalance.quantity)
                           .join(StockBalance, StockBalance.product_id == Product.id)
                           .where(StockBalance.site_id == site.id).order_by(Product.code))
    return site, [StockLine(p, q) for p, q in rows]


def post_movement(session: Session, *, scope: Scope, actor: Actor, site_code: str,
                  product_code: str, kind: MovementRequest, quantity: Decimal,
                  reason: str = "") -> Decimal:
    """Book a receipt, issue or adjustment at a site the scope may write; returns the balance.

    Only the command centre and the site's own enterprise write stock; the change is audited.
    """
    site = site_in_scope(session, scope=_write_scope(scope), code=site_code)
    if kind is MovementRequest.RECEIPT:
        move = stock.receive(session, site_code=site.code, product_code=product_code,
                             quantity=quantity, reason=reason, by=actor.name)
    elif kind is MovementRequest.ISSUE:
        move = stock.issue(session, site_code=site.code, product_code=product_code,
                           quantity=quantity, reason=reason, by=actor.name)
    else:
        move = stock.adjust(session, site_code=site.code, product_code=product_code,
                            delta=quantity, reason=reason, by=actor.name)
    # the balance row is locked by the booking: read together, before and after add up
    after = stock.balance(session, site_code=site.code, product_code=product_code)
    before = after - move.quantity
    record(session, actor=actor, action=kind.value, entity="stock",
           key=f"{site.code}/{product_code}", before={"quantity": before},
           after={"quantity": after, "reason": reason})
    return after


def _write_scope(scope: Scope) -> Scope:
    """The scope for writing stock: the command centre and enterprises keep theirs; any other
    role writes nowhere."""
    if scope.role in (Role.COMMAND, Role.ENTERPRISE):
        return scope
    return Scope(scope.user, Role.VOLUNTEER)


def count_stock(session: Session, *, scope: Scope, actor: Actor, site_code: str,
                product_code: str, counted: Decimal, reason: str) -> StockMovement | None:
    """Book a counted stock at a site the scope may write (the difference as an adjustment).

    Returns the adjustment, or None when the count matches the books; audited by stock.count.
    """
    site = site_in_scope(session, scope=_write_scope(scope), code=site_code)
    return stock.count(session, site_code=site.code, product_code=product_code,
                       counted=counted, actor=actor, note=reason)


def movements_page(session: Session, *, scope: Scope, code: str, limit: int = 50,
                   offset: int = 0) -> tuple[list[tuple[StockMovement, Product]], int]:
    """A site's stock movements in scope, newest first: one window and the total."""
    site = site_in_scope(session, scope=scope, code=code)
    where = StockMovement.site_id == site.id
    total = session.scalar(select(func.count()).select_from(StockMovement).where(where)) or 0
    rows = session.execute(
        select(StockMovement, Product).join(Product, Product.id == StockMovement.product_id)
        .where(where).order_by(StockMovement.occurred_at.desc(), StockMovement.id.desc())
        .limit(limit).offset(offset))
    return [(m, p) for m, p in rows], int(total)


def products(session: Session) -> list[tuple[Product, ProductCategory]]:
    """The product catalogue with categories."""
    return list(session.execute(select(Product, ProductCategory)
                                .join(ProductCategory, ProductCategory.id == Product.category_id)
                                .order_by(Product.code)).all())


def packs(session: Session) -> list[PackTemplate]:
    """Pack templates with items and rules."""
    return list(session.scalars(
        select(PackTemplate).options(selectinload(PackTemplate.items).selectinload(
            PackItem.product), selectinload(PackTemplate.rules)).order_by(PackTemplate.code)))


def stock_by_product(session: Session) -> dict[int, Decimal]:
    """Stock of every product over all sites (units)."""
    return {pid: Decimal(str(q)) for pid, q in session.execute(
        select(StockBalance.product_id, func.sum(StockBalance.quantity))
        .group_by(StockBalance.product_id))}


def product_names(session: Session) -> dict[int, str]:
    """Product names by id."""
    return {pid: name for pid, name in session.execute(select(Product.id, Product.name))}
