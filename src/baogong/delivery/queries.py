"""Scoped reads of routes and stops, and proof of delivery within scope.

A driver sees the routes of its own vehicle; an enterprise those leaving its sites; a
community worker the stops at hand-off points of its own compounds; the command centre and
inspectors all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from baogong.audit.service import Actor
from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.delivery import pod
from baogong.delivery.models import Route, RouteStop, RoutingRun, StopStatus, Unrouted
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.ledger.models import Site
from baogong.planning.models import Plan
from baogong.regions.models import HandoffPoint, Region

ROUTE_READERS = (Role.COMMAND, Role.INSPECTOR, Role.ENTERPRISE, Role.DRIVER)
STOP_WRITERS = (Role.COMMAND, Role.DRIVER, Role.COMMUNITY)


def latest_run(session: Session, *, day: date | None = None) -> RoutingRun | None:
    """The routing run of the newest plan (of a day, if given) that has one."""
    stmt = (select(RoutingRun).join(Plan, Plan.id == RoutingRun.plan_id)
            .order_by(Plan.created_at.desc(), Plan.id.desc(), RoutingRun.id.desc()).limit(1))
    if day is not None:
        stmt = stmt.where(Plan.day == day)
    return session.scalar(stmt)


def _routes(stmt: Any, scope: Scope) -> Any:
    if scope.sees_all:
        return stmt
    if scope.role is Role.ENTERPRISE and scope.enterprise_id is not None:
        return stmt.join(Site, Site.id == Route.site_id).where(
            Site.enterprise_id == scope.enterprise_id)
    if scope.role is Role.DRIVER and scope.vehicle_id is not None:
        return stmt.where(Route.vehicle_id == scope.vehicle_id)
    return stmt.where(Route.id == -1)


def routes_page(session: Session, *, scope: Scope, run_id: int, limit: int = 50,
                offset: int = 0) -> tuple[list[Route], int]:
    """Routes of a run in scope, with their stops."""
    stmt = _routes(select(Route).where(Route.run_id == run_id), scope)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.options(selectinload(Route.stops)).order_by(Route.id)
                           .limit(limit).offset(offset))
    return list(rows), int(total)


@dataclass(frozen=True)
class StopRow:
    """A stop with where it is and what it carries."""

    stop: RouteStop
    route: Route
    handoff: HandoffPoint
    compound: Region


def _stops(stmt: Any,
           scope: Scope) -> Any:
    if scope.sees_all:
        return stmt
    if scope.role is Role.ENTERPRISE and scope.enterprise_id is not None:
        return stmt.join(Site, Site.id == Route.site_id).where(
            Site.enterprise_id == scope.enterprise_id)
    if scope.role is Role.DRIVER and scope.vehicle_id is not None:
        return stmt.where(Route.vehicle_id == scope.vehicle_id)
    if scope.role is Role.COMMUNITY and scope.region_path:
        return stmt.where(Region.path.startswith(scope.region_path))
    return stmt.where(RouteStop.id == -1)


def _stop_select() -> Any:
    return (select(RouteStop, Route, HandoffPoint, Region)
            .join(Route, Route.id == RouteStop.route_id)
            .join(HandoffPoint, HandoffPoint.id == RouteStop.handoff_id)
            .join(Region, Region.id == HandoffPoint.compound_id))


def stops_page(session: Session, *, scope: Scope, run_id: int,
               status: StopStatus | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[StopRow], int]:
    """Stops of a run in scope, by route and sequence."""
    stmt = _stops(_stop_select().where(Route.run_id == run_id), scope)
    if status is not None:
        stmt = stmt.where(RouteStop.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Route.id, RouteStop.seq).limit(limit).offset(offset))
    return [StopRow(*r) for r in rows.all()], int(total)


def confirm(session: Session, *, scope: Scope, actor: Actor, stop_id: int, status: StopStatus,
            received_by: str | None = None, note: str = "") -> RouteStop:
    """Confirm a stop in scope (its driver, the receiving community or the command centre)."""
    found = None
    if scope.role in STOP_WRITERS:
        found = session.execute(_stops(_stop_select().where(RouteStop.id == stop_id),
                                       scope)).first()
    if found is None:
        raise NotFound(N_("Unknown stop {id}"), record=f"stop {stop_id}", field="stop",
                       id=stop_id)
    return pod.confirm_stop(session, stop_id=stop_id, status=status, by=actor.name,
                            received_by=received_by, note=note, source=actor.source,
                            ref=actor.ref)


@dataclass
class RunFigures:
    """Delivery figures of a run for the dashboard."""

    vehicles_out: int = 0
    stops: int = 0
    delivered: int = 0
    failed: int = 0
    load_kg: float = 0.0
    delivered_kg: float = 0.0
    unrouted_kg: float = 0.0
    lines: list[dict[str, object]] = field(default_factory=list)


def run_figures(session: Session, *, run_id: int, with_lines: bool = True) -> RunFigures:
    """Vehicles out, stops delivered and (for the map) each route as a line of points."""
    out = RunFigures()
    routes = list(session.scalars(select(Route).where(Route.run_id == run_id)
                                  .options(selectinload(Route.stops)).order_by(Route.id)))
    out.vehicles_out = len({r.vehicle_id or r.vehicle_label for r in routes})
    sites = {s.id: s for s in session.scalars(select(Site).where(
        Site.id.in_({r.site_id for r in routes})))} if routes else {}
    handoffs = {h.id: h for h in session.scalars(select(HandoffPoint))} if routes else {}
    for r in routes:
        site = sites[r.site_id]
        points: list[list[float]] = [[site.lat, site.lon]]
        for s in r.stops:
            out.stops += 1
            out.load_kg += float(s.load_kg)
            if s.status is StopStatus.DELIVERED:
                out.delivered += 1
                out.delivered_kg += float(s.load_kg)
            elif s.status is StopStatus.FAILED:
                out.failed += 1
            h = handoffs[s.handoff_id]
            points.append([round(h.lat, 5), round(h.lon, 5)])
        points.append([site.lat, site.lon])
        if with_lines:
            out.lines.append({"vehicle": r.vehicle_label, "site": site.code, "points": points})
    out.unrouted_kg = float(session.scalar(
        select(func.coalesce(func.sum(Unrouted.load_kg), 0)).where(Unrouted.run_id == run_id))
        or 0)
    return out
