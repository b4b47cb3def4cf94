"""Teams and volunteers. Functions never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from baogong.errors import Conflict, DomainError
from baogong.i18n import N_
from baogong.regions.service import get_region
from baogong.workforce.models import Availability, Team, TeamKind, Volunteer


def create_team(session: Session, *, code: str, name: str, kind: TeamKind,
                region_code: str | None = None) -> Team:
    """Add a team serving a region."""
    if session.scalar(select(Team.id).where(Team.code == code)) is not None:
        raise Conflict(N_("{value} is already registered"), record=f"team {code}", field="code",
                       value=code)
    region_id = get_region(session, code=region_code).id if region_code else None
    team = Team(code=code, name=name, kind=kind, region_id=region_id)
    session.add(team)
    session.flush()
    return team


@dataclass(frozen=True)
class NewVolunteer:
    """A volunteer to register in bulk."""

    code: str
    name: str
    phone: str
    team_id: int | None
    availability: Availability = Availability.AVAILABLE
    hours_per_day: Decimal = Decimal("8")


def add_volunteers(session: Session, people: Iterable[NewVolunteer]) -> int:
    """Register many volunteers at once (codes must be new)."""
    rows = list(people)
    for p in rows:
        if not 0 <= p.hours_per_day <= 24:
            raise DomainError(N_("Hours per day must be within 0..24 (got {value})"),
                              record=f"volunteer {p.code}", field="hours_per_day",
                              value=p.hours_per_day)
    if rows:
        session.execute(insert(Volunteer), [
            {"code": p.code, "name": p.name, "phone": p.phone, "team_id": p.team_id,
             "availability": p.availability, "hours_per_day": p.hours_per_day} for p in rows])
    return len(rows)


def volunteer_hours(session: Session, *, region_path: str | None = None) -> Decimal:
    """Hours a day that available volunteers can give (of teams under a region, if given)."""
    from baogong.regions.models import Region

    stmt = (select(func.coalesce(func.sum(Volunteer.hours_per_day), 0))
            .where(Volunteer.availability != Availability.UNAVAILABLE))
    if region_path:
        stmt = (stmt.join(Team, Team.id == Volunteer.team_id)
                .join(Region, Region.id == Team.region_id)
                .where(Region.path.startswith(region_path)))
    return Decimal(str(session.scalar(stmt)))
