"""Supplier qualification: verify, suspend, re-check dates and the command centre's override.

Only verified suppliers, or those the command centre overrides with a recorded reason, take
part in allocation. Every decision goes into the audit trail. Functions never commit.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.audit.service import Actor, record, snapshot
from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.ledger.models import Enterprise, Qualification
from baogong.ledger.service import get_enterprise
from baogong.types import china_today, utcnow

FIELDS = ("qualification", "verified_at", "verified_by", "recheck_due", "allocation_override",
          "override_by", "override_reason")


def _change(session: Session, ent: Enterprise, actor: Actor, action: str, **values: object) -> None:
    before = snapshot(ent, FIELDS)
    for k, v in values.items():
        setattr(ent, k, v)
    session.flush()
    record(session, actor=actor, action=action, entity="enterprise", key=ent.credit_code,
           before=before, after=snapshot(ent, FIELDS))


def verify(session: Session, *, credit_code: str, actor: Actor, recheck_days: int = 30,
           today: date | None = None) -> Enterprise:
    """Mark a supplier verified by the actor, due for re-check in recheck_days."""
    if recheck_days < 1:
        raise DomainError(N_("{field} must be positive (got {value})"),
                          record=f"enterprise {credit_code}", field="recheck_days",
                          value=recheck_days)
    ent = get_enterprise(session, credit_code_=credit_code)
    _change(session, ent, actor, "verify", qualification=Qualification.VERIFIED,
            verified_at=utcnow(), verified_by=actor.name,
            recheck_due=(today or china_today()) + timedelta(days=recheck_days))
    return ent


def suspend(session: Session, *, credit_code: str, actor: Actor, reason: str) -> Enterprise:
    """Suspend a supplier (fake goods, an outbreak ...); a reason is required."""
    if not reason.strip():
        raise DomainError(N_("Suspending a supplier needs a reason"),
                          record=f"enterprise {credit_code}", field="reason")
    ent = get_enterprise(session, credit_code_=credit_code)
    _change(session, ent, actor, "suspend", qualification=Qualification.SUSPENDED,
            allocation_override=False, override_by=None, override_reason=reason)
    return ent


def override(session: Session, *, credit_code: str, actor: Actor, reason: str,
             allow: bool = True) -> Enterprise:
    """Let an unverified supplier take part in allocation (or withdraw that), with a reason."""
    ent = get_enterprise(session, credit_code_=credit_code)
    if allow and not reason.strip():
        raise DomainError(N_("An override needs a reason"), record=f"enterprise {credit_code}",
                          field="reason")
    _change(session, ent, actor, "override" if allow else "withdraw override",
            allocation_override=allow, override_by=actor.name if allow else None,
            override_reason=reason or None)
    return ent


def may_supply(ent: Enterprise) -> bool:
    """Whether an enterprise's open sites take part in allocation."""
    return ent.qualification is Qualification.VERIFIED or ent.allocation_override


def due_for_recheck(session: Session, *, today: date | None = None) -> list[Enterprise]:
    """Verified suppliers whose re-check date has come."""
    day = today or china_today()
    return list(session.scalars(select(Enterprise).where(
        Enterprise.qualification == Qualification.VERIFIED, Enterprise.recheck_due <= day)
        .order_by(Enterprise.recheck_due)))
