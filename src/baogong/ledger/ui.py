"""A supply enterprise's phone form: book a stock movement at one of its sites (the page
itself, which also shows the plan's pick lists, is the command centre's `command/phone.py`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.ledger import queries
from baogong.web.deps import Factory

router = APIRouter(include_in_schema=False)


@router.post("/m/enterprise/stock", response_class=HTMLResponse)
def post_stock(request: Request, factory: Factory,
               principal: Annotated[Principal, require(Role.ENTERPRISE)],
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
