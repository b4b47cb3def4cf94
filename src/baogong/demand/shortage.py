"""Shortage reports from grassroots outlets (seed 002). Functions never commit."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.audit.service import record as audit_record
from baogong.demand.models import ShortageReport
from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.ledger.service import get_product
from baogong.regions.service import get_region


def report(session: Session, *, region_code: str, outlet: str, product_code: str,
           quantity: Decimal, by: str, note: str = "", source: Source = Source.SYSTEM,
           ref: str = "") -> ShortageReport:
    """Record that an outlet in a region is short of a product by `quantity` units, audited
    as reported by `by` through `source`."""
    record = f"shortage at {outlet}"
    if quantity <= 0:
        raise DomainError(N_("Quantity must be positive (got {value})"), record=record,
                          field="quantity", value=quantity)
    if not outlet.strip():
        raise DomainError(N_("is required"), record=record, field="outlet")
    entry = ShortageReport(region_id=get_region(session, code=region_code).id, outlet=outlet,
                           product_id=get_product(session, code=product_code).id,
                           quantity=quantity, note=note, reported_by=by)
    session.add(entry)
    session.flush()
    audit_record(session, actor=Actor(by, source, ref), action="create", entity="shortage",
                 key=str(entry.id), after={"region": region_code, "outlet": outlet,
                                          "product": product_code, "quantity": str(quantity),
                                          "note": note})
    return entry
