"""The planning job started from the plan page or the API: plan_day then route_plan."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import Source
from baogong.config import get_settings
from baogong.delivery.flows import route_plan
from baogong.i18n import N_
from baogong.planning.flows import plan_day
from baogong.web.jobs import Progress


def plan_and_route(factory: sessionmaker[Session], *, day: date, by: str, source: Source,
                   progress: Progress) -> dict[str, Any]:
    """Allocate the day and route the plan (each audited); returns the figures."""
    progress(N_("Allocating supply to compounds"), 1)
    outcome = plan_day(factory, day=day, by=by, source=source, ref="plan job")
    progress("", 1)
    routed = route_plan(factory, plan_id=outcome.plan_id, day=day, rules=get_settings(),
                        step=progress, by=by, source=source, ref="plan job")
    return {"plan_id": outcome.plan_id, "run_id": routed.run_id, "day": day.isoformat(),
            **outcome.figures, **routed.figures}
