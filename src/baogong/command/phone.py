"""Phone pages that read several domains: the community worker's and the enterprise's homes.

Each page shows one role's own records (zones, stock) beside what the newest plan and its
routes bring them; the forms they post to live with their domain (`ledger/ui.py`,
`delivery/ui.py`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.delivery.queries import latest_run, stops_page
from baogong.ledger import queries as ledger
from baogong.ledger.models import Enterprise
from baogong.planning import queries as planning
from baogong.regions.queries import region_of, visible_compounds
from baogong.regions.service import compound_statuses
from baogong.types import day_start, utcnow
from baogong.web.deps import DbSession
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/m/community", response_class=HTMLResponse)
def community(request: Request, db: DbSession,
              principal: Annotated[Principal, require(Role.COMMUNITY)],
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


@router.get("/m/enterprise", response_class=HTMLResponse)
def enterprise(request: Request, db: DbSession,
               principal: Annotated[Principal, require(Role.ENTERPRISE)],
               done: str | None = None) -> HTMLResponse:
    """Stock at each of the enterprise's sites and the pick lists of the newest plan."""
    scope = principal.scope
    ent = db.get(Enterprise, scope.enterprise_id) if scope.enterprise_id else None
    sites = [ledger.site_stock(db, scope=scope, code=s.code)
             for s in ledger.all_sites(db, scope=scope)]
    plan = planning.latest(db)
    picks = planning.flows_page(db, scope=scope, plan_id=plan.id, limit=2000)[0] if plan else []
    products = [p for p, _c in ledger.products(db)]
    return render(request, "m_enterprise.html", principal, enterprise=ent, sites=sites,
                  plan=plan, picks=picks, products=products, done=done,
                  kinds=list(ledger.MovementRequest))
