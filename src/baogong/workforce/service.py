"""Teams, volunteers and their shifts. Functions never commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from baogong.display import clock
from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_
from baogong.regions.models import HandoffPoint, Region, RegionLevel
from baogong.regions.service import get_region
from baogong.types import CHINA_TZ
from baogong.workforce.models import Availability, Shift, ShiftTask, Team, TeamKind, Volunteer


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


@dataclass(frozen=True)
class ShiftIn:
    """A shift to assign: China local times on one service day, at a hand-off point and/or
    a compound."""

    volunteer: str
    day: date
    start: time
    end: time
    task: ShiftTask
    handoff: str | None = None
    compound: str | None = None
    note: str = ""


def get_volunteer(session: Session, *, code: str, lock: bool = False) -> Volunteer:
    """The volunteer with this code (row-locked on PostgreSQL if asked); NotFound otherwise."""
    stmt = select(Volunteer).where(Volunteer.code == code)
    volunteer = session.scalar(stmt.with_for_update() if lock else stmt)
    if volunteer is None:
        raise NotFound(N_("Unknown volunteer {code}"), record=f"volunteer {code}",
                       field="volunteer", code=code)
    return volunteer


def shift_place(session: Session, *, handoff: str | None,
                compound: str | None) -> tuple[Region, HandoffPoint | None]:
    """The compound and hand-off point of a shift; the compound of a hand-off point is its own."""
    point = None
    if handoff:
        point = session.scalar(select(HandoffPoint).where(HandoffPoint.code == handoff))
        if point is None:
            raise NotFound(N_("Unknown hand-off point {code}"), record=f"hand-off point {handoff}",
                           field="handoff", code=handoff)
    if compound:
        region = session.scalar(select(Region).where(Region.code == compound,
                                                     Region.level == RegionLevel.COMPOUND))
        if region is None:
            raise NotFound(N_("Unknown compound {code}"), record=f"compound {compound}",
                           field="compound", code=compound)
        if point is not None and point.compound_id != region.id:
            raise DomainError(N_("Hand-off point {handoff} is not at compound {compound}"),
                              record=f"hand-off point {handoff}", field="compound",
                              handoff=handoff, compound=compound)
        return region, point
    if point is None:
        raise DomainError(N_("Say where the shift is: a hand-off point or a compound"),
                          record="shift", field="handoff")
    return point.compound, point


def shift_window(*, volunteer: str, day: date, start: time, end: time
                 ) -> tuple[datetime, datetime]:
    """Start and end in UTC of China local times on a day; the end must come after the start."""
    starts = datetime.combine(day, start.replace(tzinfo=None), tzinfo=CHINA_TZ)
    ends = datetime.combine(day, end.replace(tzinfo=None), tzinfo=CHINA_TZ)
    if ends <= starts:
        raise DomainError(N_("A shift must end after it starts ({start} to {end})"),
                          record=f"volunteer {volunteer}", field="end",
                          start=start.strftime("%H:%M"), end=end.strftime("%H:%M"))
    return starts.astimezone(UTC), ends.astimezone(UTC)


def _hours(start: datetime, end: datetime) -> Decimal:
    return Decimal(int((end - start).total_seconds())) / Decimal(3600)


def add_shift(session: Session, *, data: ShiftIn, volunteer: Volunteer, compound: Region,
              handoff: HandoffPoint | None, created_by: str) -> Shift:
    """Assign a shift; refused for an unavailable volunteer, an end not after the start, an
    overlap with another of their shifts, or more hours that day than they can give."""
    starts, ends = shift_window(volunteer=volunteer.code, day=data.day, start=data.start,
                                end=data.end)
    who = f"volunteer {volunteer.code}"
    if volunteer.availability is Availability.UNAVAILABLE:
        raise Conflict(N_("{name} is marked unavailable and cannot be given shifts"),
                       record=who, field="availability", name=volunteer.name)
    clash = session.scalar(select(Shift).where(
        Shift.volunteer_id == volunteer.id, Shift.starts_at < ends, Shift.ends_at > starts)
        .order_by(Shift.starts_at).limit(1))
    if clash is not None:
        raise Conflict(N_("{name} already has a shift from {start} to {end} on {day}"),
                       record=who, field="start", name=volunteer.name,
                       start=clock(clash.starts_at), end=clock(clash.ends_at),
                       day=clash.service_day.isoformat())
    booked = sum((_hours(s, e) for s, e in session.execute(
        select(Shift.starts_at, Shift.ends_at).where(Shift.volunteer_id == volunteer.id,
                                                     Shift.service_day == data.day))),
        Decimal(0))
    total = booked + _hours(starts, ends)
    if total > volunteer.hours_per_day:
        raise Conflict(N_("{name} would work {total} h on {day}, more than their {limit} h "
                          "a day"), record=who, field="hours_per_day", name=volunteer.name,
                       total=f"{total:.1f}", day=data.day.isoformat(),
                       limit=f"{volunteer.hours_per_day.normalize():f}")
    shift = Shift(volunteer_id=volunteer.id, service_day=data.day, starts_at=starts,
                  ends_at=ends, compound_id=compound.id,
                  handoff_id=handoff.id if handoff else None, task=data.task,
                  note=data.note, created_by=created_by)
    session.add(shift)
    session.flush()
    return shift


def cancel_shift(session: Session, *, shift: Shift) -> None:
    """Cancel (delete) a shift; its audit entry keeps what it was."""
    session.delete(shift)
    session.flush()
