"""Scoped reads of regions, compounds and hand-off points, for the web and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.regions.models import HandoffPoint, Region, RegionLevel, ZoneStatus
from baogong.regions.service import compound_statuses, get_region

COMPOUND_READERS = (Role.COMMAND, Role.INSPECTOR, Role.COMMUNITY, Role.VOLUNTEER)


def regions_page(session: Session, *, level: RegionLevel | None = None,
                 under: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Region], int]:
    """Regions above compounds (their names and codes are public to every signed-in user)."""
    stmt = select(Region).where(Region.level != RegionLevel.COMPOUND)
    if level is not None:
        stmt = stmt.where(Region.level == level)
    if under:
        stmt = stmt.where(Region.path.startswith(get_region(session, code=under).path))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Region.code).limit(limit).offset(offset))
    return list(rows), int(total)


def visible_compounds(session: Session, *, scope: Scope, under: str | None = None
                      ) -> list[Region]:
    """Compounds the scope may see: all for the command centre and inspectors, those under
    their own community for community workers and volunteers, none for anyone else."""
    if scope.role not in COMPOUND_READERS or scope.nothing:
        return []
    stmt = select(Region).where(Region.level == RegionLevel.COMPOUND).order_by(Region.code)
    if not scope.sees_all:
        stmt = stmt.where(Region.path.startswith(scope.region_path or "/nothing/"))
    if under:
        stmt = stmt.where(Region.path.startswith(get_region(session, code=under).path))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class CompoundRow:
    """A compound with its zone status at a moment."""

    region: Region
    status: ZoneStatus


def compounds_page(session: Session, *, scope: Scope, at: datetime, under: str | None = None,
                   status: ZoneStatus | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[list[CompoundRow], int]:
    """A page of the compounds in scope with their status, optionally of one status."""
    items = visible_compounds(session, scope=scope, under=under)
    statuses = compound_statuses(session, at=at, items=items) if items else {}
    rows = [CompoundRow(c, statuses[c.id]) for c in items]
    if status is not None:
        rows = [r for r in rows if r.status is status]
    return rows[offset:offset + limit], len(rows)


def all_handoffs(session: Session) -> list[HandoffPoint]:
    """Every hand-off point."""
    return list(session.scalars(select(HandoffPoint).order_by(HandoffPoint.code)))


def region_of(session: Session, *, path: str | None) -> Region | None:
    """The region whose materialised path this is."""
    if not path:
        return None
    return session.scalar(select(Region).where(Region.path == path))
