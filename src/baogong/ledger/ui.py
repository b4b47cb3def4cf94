"""Mobile page of a supply enterprise: its sites' stock, stock movements, pick lists."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baogong.auth import audience
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.ledger import queries
from baogong.ledger.models import Enterprise
from baogong.planning import queries as planning
from baogong.web.deps import DbSession, Factory, require
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/m/enterprise", response_class=HTMLResponse)
def enterprise(request: Request, db: DbSession,
               principal: Annotated[Any, require(Role.ENTERPRISE)],
               done: str | None = None) -> HTMLResponse:
    """Stock at each of the enterprise's sites and the pick lists of the newest plan."""
    scope = principal.scope
    ent = db.get(Enterprise, scope.enterprise_id) if scope.enterprise_id else None
    sites = [queries.site_stock(db, scope=scope, code=s.code)
             for s in queries.all_sites(db, scope=scope)]
    plan = planning.latest(db)
    picks = planning.flows_page(db, scope=scope, plan_id=plan.id, limit=2000)[0] if plan else []
    products = [p for p, _c in queries.products(db)]
    return render(request, "m_enterprise.html", principal, enterprise=ent, sites=sites,
                  plan=plan, picks=picks, products=products, done=done,
                  kinds=list(queries.MovementRequest))


@router.post("/m/enterprise/stock", response_class=HTMLResponse)
def post_stock(request: Request, factory: Factory,
               principal: Annotated[Any, require(Role.ENTERPRISE)],
               site: Annotated[str, Form(max_length=40)],
               product: Annotated[str, Form(max_length=40)],
               kind: Annotated[queries.MovementRequest, Form()],
               quantity: Annotated[str, Form(max_length=20)],
               reason: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Book a receipt, issue or adjustment at one of the enterprise's sites."""
    try:
        q = Decimal(quantity)
    except InvalidOperation as exc:
        raise DomainError(N_("Not a number: {value}"), field="quantity", value=quantity) from exc
    with unit_of_work(factory) as session:
        queries.post_movement(session, scope=principal.scope, actor=principal.actor(request),
                              site_code=site, product_code=product, kind=kind, quantity=q,
                              reason=reason)
        to = audience.of_site(session, code=site)
    request.app.state.bus.publish("stock", to, site=site, product=product)
    return RedirectResponse(f"/m/enterprise?done={site}", status_code=303)
