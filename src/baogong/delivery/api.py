"""API: routes and stops of the newest routing run, and proof of delivery."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from baogong.auth import audience
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.delivery import queries
from baogong.delivery.models import StopStatus
from baogong.web.deps import DbSession, Factory
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import PlanDay as Day
from baogong.web.schemas import UtcDatetime

router = APIRouter(tags=["delivery"])


class StopOut(BaseModel):
    """A stop at a hand-off point and its proof of delivery."""

    id: int
    route_id: int
    seq: int
    trip: int
    arrival: str
    handoff: str
    handoff_name: str
    compound: str
    compound_name: str
    load_kg: Decimal
    cold: bool
    status: StopStatus
    delivered_at: UtcDatetime | None
    confirmed_by: str | None
    received_by: str | None
    note: str


class RouteOut(BaseModel):
    """One vehicle's route."""

    id: int
    vehicle: str
    site_id: int
    distance_m: int
    duration_s: int
    start: str
    end: str
    trips: int
    stops: int


@router.get("/routes", response_model=Page[RouteOut])
def list_routes(db: DbSession, paging: Paging,
                principal: Annotated[Principal, require(*queries.ROUTE_READERS)],
                day: Day = None) -> Page[RouteOut]:
    """Routes of the newest run (of a day) in scope: a driver's own, an enterprise's sites'."""
    run = queries.latest_run(db, day=day)
    if run is None:
        return Page[RouteOut](items=[], total=0, limit=paging.limit, offset=paging.offset)
    rows, total = queries.routes_page(db, scope=principal.scope, run_id=run.id,
                                      limit=paging.limit, offset=paging.offset)
    items = [RouteOut(id=r.id, vehicle=r.vehicle_label, site_id=r.site_id,
                      distance_m=r.distance_m, duration_s=r.duration_s, start=r.start,
                      end=r.end, trips=r.trips, stops=len(r.stops)) for r in rows]
    return Page[RouteOut](items=items, total=total, limit=paging.limit, offset=paging.offset)


def stop_out(row: queries.StopRow) -> StopOut:
    """The API shape of a stop."""
    s = row.stop
    return StopOut(id=s.id, route_id=s.route_id, seq=s.seq, trip=s.trip, arrival=s.arrival,
                   handoff=row.handoff.code, handoff_name=row.handoff.name,
                   compound=row.compound.code, compound_name=row.compound.name,
                   load_kg=s.load_kg, cold=s.cold, status=s.status,
                   delivered_at=s.delivered_at, confirmed_by=s.confirmed_by,
                   received_by=s.received_by, note=s.note)


@router.get("/stops", response_model=Page[StopOut])
def list_stops(db: DbSession, paging: Paging,
               principal: Annotated[Principal, require(
                   Role.COMMAND, Role.INSPECTOR, Role.ENTERPRISE, Role.DRIVER, Role.COMMUNITY)],
               day: Day = None, status: StopStatus | None = None) -> Page[StopOut]:
    """Stops of the newest run in scope (a community's own hand-off points, a driver's own)."""
    run = queries.latest_run(db, day=day)
    if run is None:
        return Page[StopOut](items=[], total=0, limit=paging.limit, offset=paging.offset)
    rows, total = queries.stops_page(db, scope=principal.scope, run_id=run.id, status=status,
                                     limit=paging.limit, offset=paging.offset)
    return Page[StopOut](items=[stop_out(r) for r in rows], total=total, limit=paging.limit,
                         offset=paging.offset)


class ConfirmIn(BaseModel):
    """Delivered (with who received it) or failed (with the reason)."""

    status: StopStatus
    received_by: str | None = Field(default=None, max_length=80)
    note: str = Field(default="", max_length=300)


@router.post("/stops/{stop_id}/confirm", response_model=StopOut)
def confirm_stop(stop_id: Annotated[int, Path(ge=1, le=2**31 - 1)], body: ConfirmIn,
                 request: Request, factory: Factory,
                 principal: Annotated[Principal, require(*queries.STOP_WRITERS)]) -> StopOut:
    """Confirm a stop in scope (its driver, the receiving community, the command centre)."""
    with unit_of_work(factory) as session:
        queries.confirm(session, scope=principal.scope, actor=principal.actor(request),
                        stop_id=stop_id, status=body.status, received_by=body.received_by,
                        note=body.note)
        rows, _n = queries.stops_page(session, scope=principal.scope,
                                      run_id=_run_of_stop(session, stop_id), limit=10_000)
        out = next(stop_out(r) for r in rows if r.stop.id == stop_id)
        to = audience.of_stop(session, stop_id=stop_id)
    request.app.state.bus.publish("stop", to, stop=stop_id, status=body.status.value)
    return out


def _run_of_stop(session: Any, stop_id: int) -> int:
    from baogong.delivery.models import Route, RouteStop

    stop = session.get(RouteStop, stop_id)
    return int(session.get(Route, stop.route_id).run_id)
