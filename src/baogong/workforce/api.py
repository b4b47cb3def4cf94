"""API: a volunteer's own team, and starting or ending duty."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.web.deps import DbSession, Factory, require
from baogong.workforce import queries
from baogong.workforce.models import Availability

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
def my_team(db: DbSession, principal: Annotated[Any, require(Role.VOLUNTEER)]) -> TeamOut:
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
                     principal: Annotated[Any, require(Role.VOLUNTEER)]) -> MemberOut:
    """Start or end duty; audited; dashboards update live."""
    with unit_of_work(factory) as session:
        me = queries.set_availability(session, scope=principal.scope,
                                      actor=principal.actor(request),
                                      availability=body.availability)
        out = _member(me)
    request.app.state.bus.publish("duty", volunteer=out.code, availability=out.availability)
    return out
