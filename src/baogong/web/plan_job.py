"""The planning job started from the plan page or the API: plan_day then route_plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.config import get_settings
from baogong.db import unit_of_work
from baogong.delivery.flows import route_plan
from baogong.i18n import N_
from baogong.planning.flows import plan_day
from baogong.web.jobs import Progress


def plan_and_route(factory: sessionmaker[Session], *, day: date, by: str, source: Source,
                   progress: Progress) -> dict[str, Any]:
    """Allocate the day, route the plan, audit the run; returns the figures."""
    progress(N_("Allocating supply to compounds"), 1)
    outcome = plan_day(factory, day=day, by=by)
    progress("", 1)
    routed = route_plan(factory, plan_id=outcome.plan_id, day=day, rules=get_settings(),
                        step=progress)
    figures = {"plan_id": outcome.plan_id, "run_id": routed.run_id, "day": day.isoformat(),
               **outcome.figures, **routed.figures}
    with unit_of_work(factory) as session:
        record(session, actor=Actor(by, source, "plan job"), action="run", entity="plan",
               key=str(outcome.plan_id), after=figures)
    return figures
