"""Proof of delivery: a driver or community worker confirms a stop. Functions never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.audit.models import Source
from baogong.audit.service import Actor, snapshot
from baogong.audit.service import record as audit_record
from baogong.delivery.models import Route, RouteStop, RoutingRun, StopStatus
from baogong.errors import Conflict, DomainError, Label, NotFound
from baogong.i18n import N_
from baogong.planning.models import Plan
from baogong.types import utcnow

STATUS_LABELS = {StopStatus.PLANNED: N_("planned"), StopStatus.DELIVERED: N_("delivered"),
                 StopStatus.FAILED: N_("failed")}


AUDITED = ("status", "confirmed_by", "received_by", "note", "delivered_at")
"""The fields of a stop kept in the audit trail."""


def confirm_stop(session: Session, *, stop_id: int, status: StopStatus, by: str,
                 received_by: str | None = None, note: str = "",
                 at: datetime | None = None, source: Source = Source.SYSTEM,
                 ref: str = "") -> RouteStop:
    """Record a stop as delivered (with who received it) or failed (with the reason), audited
    as confirmed by `by` through `source`."""
    record = f"stop {stop_id}"
    stop = session.get(RouteStop, stop_id, with_for_update=True)
    if stop is None:
        raise NotFound(N_("Unknown stop {id}"), record=record, field="stop", id=stop_id)
    if stop.status is not StopStatus.PLANNED:
        raise Conflict(N_("This stop was already confirmed as {status}"), record=record,
                       field="status", status=Label(STATUS_LABELS[stop.status]))
    if status is StopStatus.PLANNED:
        raise DomainError(N_("Confirm a stop as delivered or failed"), record=record,
                          field="status")
    if not by.strip():
        raise DomainError(N_("Say who confirms the stop"), record=record, field="by")
    if status is StopStatus.DELIVERED and not (received_by or "").strip():
        raise DomainError(N_("A delivery needs the name of who received it"), record=record,
                          field="received_by")
    if status is StopStatus.FAILED and not note.strip():
        raise DomainError(N_("A failed delivery needs a reason"), record=record, field="note")
    before = snapshot(stop, AUDITED)
    stop.status = status
    stop.confirmed_by = by
    stop.received_by = received_by
    stop.note = note
    stop.delivered_at = at or utcnow()
    session.flush()
    audit_record(session, actor=Actor(by, source, ref), action="confirm", entity="route_stop",
                 key=str(stop_id), before=before, after=snapshot(stop, AUDITED))
    if status is StopStatus.DELIVERED:
        _arrive_if_complete(session, stop, by)
    return stop


def _arrive_if_complete(session: Session, stop: RouteStop, by: str) -> None:
    """When every stop of this run at this hand-off point is delivered, the compound's
    dispatched orders are at the hand-off point."""
    from baogong.demand.lifecycle import arrive_orders
    from baogong.regions.models import HandoffPoint

    route = session.get(Route, stop.route_id)
    if route is None:
        return
    pending = session.scalar(
        select(RouteStop.id).join(Route, Route.id == RouteStop.route_id)
        .where(Route.run_id == route.run_id, RouteStop.handoff_id == stop.handoff_id,
               RouteStop.status != StopStatus.DELIVERED).limit(1))
    if pending is not None:
        return
    run = session.get(RoutingRun, route.run_id)
    plan = session.get(Plan, run.plan_id) if run else None
    point = session.get(HandoffPoint, stop.handoff_id)
    if plan is not None and point is not None:
        arrive_orders(session, day=plan.day, compound_id=point.compound_id, by=by)


def latest_run(session: Session, *, plan_id: int) -> RoutingRun | None:
    """The newest routing run of a plan."""
    return session.scalar(select(RoutingRun).where(RoutingRun.plan_id == plan_id)
                          .order_by(RoutingRun.id.desc()).limit(1))


def routes_of_run(session: Session, *, run_id: int, site_id: int | None = None) -> list[Route]:
    """Routes of a run (one site's, if given), by site and vehicle."""
    stmt = select(Route).where(Route.run_id == run_id).order_by(Route.site_id, Route.id)
    if site_id is not None:
        stmt = stmt.where(Route.site_id == site_id)
    return list(session.scalars(stmt))
