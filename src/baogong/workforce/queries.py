"""Scoped reads and writes of teams, volunteers and shifts.

A volunteer sees and sets their own record and sees their own shifts; a community worker
sees and assigns the shifts at compounds of its area, to volunteers of teams serving it; the
command centre and inspectors see every shift, the command centre assigns any.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from baogong.audit.service import Actor, record, snapshot
from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.regions.models import Region
from baogong.workforce import service
from baogong.workforce.models import Availability, Shift, Team, Volunteer

SHIFT_READERS = (Role.COMMAND, Role.INSPECTOR, Role.COMMUNITY, Role.VOLUNTEER)
SHIFT_WRITERS = (Role.COMMAND, Role.COMMUNITY)
SHIFT_FIELDS = ("service_day", "starts_at", "ends_at", "compound_id", "handoff_id", "task",
                "note", "created_by")


def on_duty(session: Session) -> int:
    """Volunteers on duty now."""
    return int(session.scalar(select(func.count()).select_from(Volunteer)
                              .where(Volunteer.availability == Availability.ON_DUTY)) or 0)


@dataclass(frozen=True)
class TeamView:
    """A volunteer's own record, their team and its members."""

    me: Volunteer
    team: Team | None
    members: list[Volunteer]


def my_team(session: Session, *, scope: Scope) -> TeamView:
    """The volunteer of this scope with their team; NotFound for anyone else."""
    me = session.get(Volunteer, scope.volunteer_id) if (
        scope.role is Role.VOLUNTEER and scope.volunteer_id) else None
    if me is None:
        raise NotFound(N_("No volunteer record is linked to this account"), record=scope.user,
                       field="volunteer")
    members = list(session.scalars(select(Volunteer).where(Volunteer.team_id == me.team_id)
                                   .order_by(Volunteer.code))) if me.team_id else [me]
    return TeamView(me, me.team, members)


def set_availability(session: Session, *, scope: Scope, actor: Actor,
                     availability: Availability) -> Volunteer:
    """A volunteer starts or ends duty (or says they are unavailable); audited."""
    me = my_team(session, scope=scope).me
    before = {"availability": me.availability.value}
    me.availability = availability
    session.flush()
    record(session, actor=actor, action="update", entity="volunteer", key=me.code,
           before=before, after={"availability": availability.value})
    return me


def _shifts(stmt: Any, scope: Scope) -> Any:
    if scope.sees_all:
        return stmt
    if scope.role is Role.VOLUNTEER and scope.volunteer_id is not None:
        return stmt.where(Shift.volunteer_id == scope.volunteer_id)
    if scope.role is Role.COMMUNITY and scope.region_path:
        return stmt.join(Region, Region.id == Shift.compound_id).where(
            Region.path.startswith(scope.region_path))
    return stmt.where(Shift.id == -1)


def shifts_page(session: Session, *, scope: Scope, day: date | None = None,
                since: date | None = None, volunteer: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[list[Shift], int]:
    """Shifts in scope (of a day, from a day on, of a volunteer), by start time."""
    stmt = _shifts(select(Shift), scope)
    if day is not None:
        stmt = stmt.where(Shift.service_day == day)
    if since is not None:
        stmt = stmt.where(Shift.service_day >= since)
    if volunteer:
        stmt = stmt.where(Shift.volunteer_id.in_(
            select(Volunteer.id).where(Volunteer.code == volunteer)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Shift.volunteer),
                                        selectinload(Shift.compound),
                                        selectinload(Shift.handoff))
                           .order_by(Shift.starts_at, Shift.id).limit(limit).offset(offset))
    return list(rows), int(total)


def _in_area(scope: Scope, path: str | None) -> bool:
    return scope.role is Role.COMMAND or (
        scope.role is Role.COMMUNITY and bool(scope.region_path) and path is not None
        and path.startswith(scope.region_path or "/nothing/"))


def _of_my_teams(session: Session, scope: Scope, volunteer: Volunteer) -> bool:
    """Whether the volunteer belongs to a team of the scope's area (the command centre: any)."""
    team_region = session.get(Region, volunteer.team.region_id) if (
        volunteer.team and volunteer.team.region_id) else None
    return scope.role is Role.COMMAND or _in_area(scope, team_region.path if team_region else None)


def assign_shift(session: Session, *, scope: Scope, actor: Actor,
                 data: service.ShiftIn) -> Shift:
    """Assign a shift within scope (the command centre anywhere, a community worker in its
    area to volunteers of its teams); out of scope reads as not found; audited."""
    volunteer = service.get_volunteer(session, code=data.volunteer, lock=True)
    if not _of_my_teams(session, scope, volunteer):
        raise NotFound(N_("Unknown volunteer {code}"), record=f"volunteer {data.volunteer}",
                       field="volunteer", code=data.volunteer)
    compound, handoff = service.shift_place(session, handoff=data.handoff,
                                            compound=data.compound)
    if not _in_area(scope, compound.path):
        field = "handoff" if data.handoff else "compound"
        code = data.handoff or data.compound
        raise NotFound(N_("Unknown compound {code}") if field == "compound"
                       else N_("Unknown hand-off point {code}"), record=f"{field} {code}",
                       field=field, code=code)
    shift = service.add_shift(session, data=data, volunteer=volunteer, compound=compound,
                              handoff=handoff, created_by=actor.name)
    record(session, actor=actor, action="create", entity="shift", key=str(shift.id),
           after={"volunteer": volunteer.code, **snapshot(shift, SHIFT_FIELDS)})
    return shift


def cancel_shift(session: Session, *, scope: Scope, actor: Actor, shift_id: int) -> None:
    """Cancel a shift within scope (the command centre any, a community worker one in its
    area of a volunteer of its teams, as for assigning); audited with what it was."""
    shift = None
    if scope.role in SHIFT_WRITERS:
        shift = session.scalar(_shifts(select(Shift).where(Shift.id == shift_id), scope))
    if shift is None or not _of_my_teams(session, scope, shift.volunteer):
        raise NotFound(N_("Unknown shift {id}"), record=f"shift {shift_id}", field="shift",
                       id=shift_id)
    before = {"volunteer": shift.volunteer.code, **snapshot(shift, SHIFT_FIELDS)}
    service.cancel_shift(session, shift=shift)
    record(session, actor=actor, action="delete", entity="shift", key=str(shift_id),
           before=before)
