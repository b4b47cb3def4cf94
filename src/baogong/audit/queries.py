"""A page of the audit trail with its total, for the API and the audit page."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.audit.models import AuditEntry
from baogong.ledger.models import Product


def history_page(session: Session, *, entity: str | None = None, key: str | None = None,
                 actor: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[AuditEntry], int]:
    """Audit entries newest first, one window of them, and how many match in all."""
    stmt = select(AuditEntry)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if key:
        stmt = stmt.where(AuditEntry.entity_key == key)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total)


def product_units(session: Session) -> dict[str, str]:
    """Each product's unit by product code, to show stock quantities with their unit."""
    return {code: unit.value for code, unit in session.execute(
        select(Product.code, Product.unit))}


def entities(session: Session) -> list[str]:
    """The kinds of record the trail holds (enterprise, site, stock ...), for a filter."""
    return list(session.scalars(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)))
