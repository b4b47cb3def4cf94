"""API: a volunteer's own team, starting or ending duty, and volunteers' shifts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.web.deps import DbSession, Factory
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import Day, UtcDatetime
from baogong.workforce import queries, service
from baogong.workforce.models import Availability, Shift, ShiftTask

router = APIRouter(tags=["workforce"])


class MemberOut(BaseModel):
    """A team member."""

    code: str
    name: str
    phone: str
    availability: Availability
    hours_per_day: Decimal


class TeamOut(BaseModel):
    """The volunteer's team and its members."""

    me: MemberOut
    team: str | None
    team_name: str | None
    members: list[MemberOut]


def _member(v: Any) -> MemberOut:
    return MemberOut(code=v.code, name=v.name, phone=v.phone, availability=v.availability,
                     hours_per_day=v.hours_per_day)


@router.get("/me/team", response_model=TeamOut)
def my_team(db: DbSession, principal: Annotated[Principal, require(Role.VOLUNTEER)]) -> TeamOut:
    """The signed-in volunteer, their team and its members."""
    view = queries.my_team(db, scope=principal.scope)
    return TeamOut(me=_member(view.me), team=view.team.code if view.team else None,
                   team_name=view.team.name if view.team else None,
                   members=[_member(m) for m in view.members])


class AvailabilityIn(BaseModel):
    """On duty, available or unavailable."""

    availability: Availability


@router.post("/me/availability", response_model=MemberOut)
def set_availability(body: AvailabilityIn, request: Request, factory: Factory,
                     principal: Annotated[Principal, require(Role.VOLUNTEER)]) -> MemberOut:
    """Start or end duty; audited; dashboards update live."""
    with unit_of_work(factory) as session:
        me = queries.set_availability(session, scope=principal.scope,
                                      actor=principal.actor(request),
                                      availability=body.availability)
        out = _member(me)
        to = audience.of_volunteer(session, code=me.code)
    request.app.state.bus.publish("duty", to, volunteer=out.code, availability=out.availability)
    return out


class ShiftOut(BaseModel):
    """A volunteer's shift: when (UTC, with the China service day), where and what."""

    id: int
    volunteer: str
    volunteer_name: str
    day: dt.date = Field(description="Service day (China)")
    starts_at: UtcDatetime
    ends_at: UtcDatetime
    compound: str
    compound_name: str
    handoff: str | None
    handoff_name: str | None
    task: ShiftTask
    note: str
    created_by: str


def shift_out(s: Shift) -> ShiftOut:
    """The API shape of a shift."""
    return ShiftOut(id=s.id, volunteer=s.volunteer.code, volunteer_name=s.volunteer.name,
                    day=s.service_day, starts_at=s.starts_at, ends_at=s.ends_at,
                    compound=s.compound.code, compound_name=s.compound.name,
                    handoff=s.handoff.code if s.handoff else None,
                    handoff_name=s.handoff.name if s.handoff else None, task=s.task,
                    note=s.note, created_by=s.created_by)


@router.get("/shifts", response_model=Page[ShiftOut])
def list_shifts(db: DbSession, paging: Paging,
                principal: Annotated[Principal, require(*queries.SHIFT_READERS)],
                day: Annotated[Day | None, Query(description="Service day")] = None,
                volunteer: Annotated[str | None, Query(max_length=40,
                                                       description="Volunteer code")] = None,
                ) -> Page[ShiftOut]:
    """Shifts in scope: a volunteer's own, a community's area's, all for the command centre
    and inspectors."""
    rows, total = queries.shifts_page(db, scope=principal.scope, day=day, volunteer=volunteer,
                                      limit=paging.limit, offset=paging.offset)
    return Page[ShiftOut](items=[shift_out(s) for s in rows], total=total, limit=paging.limit,
                          offset=paging.offset)


class ShiftIn(BaseModel):
    """A shift to assign: start and end are China local times (HH:MM) on the service day."""

    volunteer: str = Field(min_length=1, max_length=40)
    day: Day = Field(description="Service day (China)")
    start: dt.time
    end: dt.time
    task: ShiftTask
    handoff: str | None = Field(default=None, max_length=40)
    compound: str | None = Field(default=None, max_length=40)
    note: str = Field(default="", max_length=300)

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("a China local time without an offset, e.g. 08:00")
        return value


@router.post("/shifts", response_model=ShiftOut, status_code=201)
def add_shift(body: ShiftIn, request: Request, factory: Factory,
              principal: Annotated[Principal, require(*queries.SHIFT_WRITERS)]) -> ShiftOut:
    """Assign a shift (command centre; a community worker in its area); audited; a ``shift``
    event goes to the live stream."""
    with unit_of_work(factory) as session:
        shift = queries.assign_shift(session, scope=principal.scope,
                                     actor=principal.actor(request), data=service.ShiftIn(
                                         volunteer=body.volunteer, day=body.day,
                                         start=body.start, end=body.end, task=body.task,
                                         handoff=body.handoff, compound=body.compound,
                                         note=body.note))
        out = shift_out(shift)
        to = audience.of_shift(session, shift_id=shift.id)
    request.app.state.bus.publish("shift", to, id=out.id, volunteer=out.volunteer,
                                  day=str(out.day))
    return out


@router.delete("/shifts/{shift_id}", status_code=204, response_class=Response)
def cancel_shift(shift_id: Annotated[int, Path(ge=1, le=2**31 - 1)], request: Request,
                 factory: Factory,
                 principal: Annotated[Principal, require(*queries.SHIFT_WRITERS)]) -> Response:
    """Cancel a shift (command centre; a community worker in its area); audited; a ``shift``
    event goes to the live stream."""
    with unit_of_work(factory) as session:
        to = audience.of_shift(session, shift_id=shift_id)
        queries.cancel_shift(session, scope=principal.scope, actor=principal.actor(request),
                             shift_id=shift_id)
    request.app.state.bus.publish("shift", to, id=shift_id, cancelled=True)
    return Response(status_code=204)
