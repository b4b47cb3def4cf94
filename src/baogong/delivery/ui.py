"""Mobile pages: a driver's run sheet with a confirmation per stop; confirming receipt."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.delivery import queries, runsheet
from baogong.delivery.models import StopStatus, Vehicle
from baogong.errors import DomainError
from baogong.planning.queries import get_plan
from baogong.web.deps import DbSession, Factory
from baogong.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/m/driver", response_class=HTMLResponse)
def driver(request: Request, db: DbSession, principal: Annotated[Principal, require(Role.DRIVER)],
           done: str | None = None) -> HTMLResponse:
    """Today's run sheet of the driver's vehicle: stops in order, each to confirm."""
    run = queries.latest_run(db)
    stops = queries.stops_page(db, scope=principal.scope, run_id=run.id,
                               limit=500)[0] if run else []
    vehicle = db.get(Vehicle, principal.scope.vehicle_id) if principal.scope.vehicle_id else None
    return render(request, "m_driver.html", principal, stops=stops, vehicle=vehicle, run=run,
                  done=done)


@router.get("/m/driver/print", response_class=HTMLResponse)
def driver_print(db: DbSession, principal: Annotated[Principal, require(Role.DRIVER)]) -> Response:
    """The printable run sheet of the driver's own route(s)."""
    run = queries.latest_run(db)
    if run is None:
        return RedirectResponse("/m/driver", status_code=303)
    mine = {r.vehicle_label for r in queries.routes_page(db, scope=principal.scope,
                                                         run_id=run.id, limit=100)[0]}
    sheets = [s for s in runsheet.sheets(db, run_id=run.id) if s.vehicle in mine]
    return HTMLResponse(runsheet.render(sheets, day=get_plan(db, plan_id=run.plan_id).day))


@router.post("/m/stops/{stop_id}/confirm", response_class=HTMLResponse)
def confirm(request: Request, factory: Factory,
            stop_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
            principal: Annotated[Principal, require(*queries.STOP_WRITERS)],
            status: Annotated[StopStatus, Form()],
            received_by: Annotated[str, Form(max_length=80)] = "",
            note: Annotated[str, Form(max_length=300)] = "") -> Response:
    """Confirm a stop from a page (htmx swaps the stop in place; plain forms redirect)."""
    back = "/m/driver" if principal.role is Role.DRIVER else "/m/community"
    error = None
    try:
        with unit_of_work(factory) as session:
            queries.confirm(session, scope=principal.scope, actor=principal.actor(request),
                            stop_id=stop_id, status=status, received_by=received_by or None,
                            note=note)
            to = audience.of_stop(session, stop_id=stop_id)
        request.app.state.bus.publish("stop", to, stop=stop_id, status=status.value)
    except DomainError as exc:
        if not request.headers.get("hx-request"):
            raise
        error = exc.text()
    if request.headers.get("hx-request"):
        with factory() as session:
            run = queries.latest_run(session)
            rows = queries.stops_page(session, scope=principal.scope, run_id=run.id,
                                      limit=500)[0] if run else []
            row = next((r for r in rows if r.stop.id == stop_id), None)
            return render(request, "_stop.html", principal, s=row, error=error)
    return RedirectResponse(f"{back}?done={stop_id}", status_code=303)
