"""Mobile page of a volunteer: their duty, their shifts, their team and its members."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.regions.queries import region_of
from baogong.types import CHINA_TZ
from baogong.web.deps import DbSession, Factory
from baogong.web.pages import render
from baogong.workforce import queries
from baogong.workforce.models import Availability, task_label

router = APIRouter(include_in_schema=False)


@router.get("/m/volunteer", response_class=HTMLResponse)
def volunteer(request: Request, db: DbSession,
              principal: Annotated[Principal, require(Role.VOLUNTEER)]) -> HTMLResponse:
    """The volunteer's duty status, today's and upcoming shifts, team and team members."""
    view = queries.my_team(db, scope=principal.scope)
    today = datetime.now(CHINA_TZ).date()
    shifts, _n = queries.shifts_page(db, scope=principal.scope, since=today, limit=50)
    return render(request, "m_volunteer.html", principal, view=view,
                  area=region_of(db, path=principal.scope.region_path),
                  choices=list(Availability), shifts=shifts, today=today,
                  task_label=task_label)


@router.post("/m/volunteer/availability")
def set_availability(request: Request, factory: Factory,
                     principal: Annotated[Principal, require(Role.VOLUNTEER)],
                     availability: Annotated[Availability, Form()]) -> Response:
    """Start or end duty."""
    with unit_of_work(factory) as session:
        me = queries.set_availability(session, scope=principal.scope,
                                      actor=principal.actor(request), availability=availability)
        code = me.code
        to = audience.of_volunteer(session, code=code)
    request.app.state.bus.publish("duty", to, volunteer=code, availability=availability.value)
    return RedirectResponse("/m/volunteer", status_code=303)
