"""Mobile page of a community worker: compounds, their demand, and deliveries to receive."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baogong.auth.models import Role
from baogong.delivery.queries import latest_run, stops_page
from baogong.planning import queries as planning
from baogong.planning.flows import day_start
from baogong.regions.queries import region_of, visible_compounds
from baogong.regions.service import compound_statuses
from baogong.types import utcnow
from baogong.web.deps import DbSession, require
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/m/community", response_class=HTMLResponse)
def community(request: Request, db: DbSession,
              principal: Annotated[Any, require(Role.COMMUNITY)],
              done: str | None = None) -> HTMLResponse:
    """The community's compounds with status and packs, and today's deliveries to confirm."""
    scope = principal.scope
    plan = planning.latest(db)
    at = day_start(plan.day) if plan else utcnow()
    items = visible_compounds(db, scope=scope)
    statuses = compound_statuses(db, at=at, items=items) if items else {}
    counts = planning.pack_counts(db, plan=plan) if plan else {}
    rows = [(c, statuses[c.id], counts.get(c.code)) for c in items]
    run = latest_run(db, day=plan.day) if plan else None
    stops = stops_page(db, scope=scope, run_id=run.id, limit=500)[0] if run else []
    stops.sort(key=lambda r: (r.handoff.code, r.stop.arrival, r.stop.id))
    return render(request, "m_community.html", principal, area=region_of(db,
                  path=scope.region_path), rows=rows, plan=plan, stops=stops, done=done)
