"""The routing flow: the plan's flows become vehicle routes to hand-off points, stored."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from datetime import date
from typing import Any

from pyvrp.exceptions import PenaltyBoundWarning
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.adapters.distance import DistanceSource, OsrmSource, attach_matrix
from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.config import Settings
from baogong.db import unit_of_work
from baogong.delivery import service
from baogong.delivery.pod import latest_run
from baogong.demand.lifecycle import dispatch_orders
from baogong.i18n import N_
from baogong.optim import routing as rt
from baogong.regions.models import HandoffPoint
from baogong.types import Progress, day_start, no_progress


@dataclass(frozen=True)
class RoutingOutcome:
    """A stored routing run and the figures the demo and the report show."""

    run_id: int
    figures: dict[str, Any]


def site_budget(stops: int, seconds_per_stop: float) -> tuple[float, int]:
    """Time limit and iteration cap for one site's problem (small problems stop early)."""
    return max(0.2, seconds_per_stop * stops), 400 + 150 * stops


AUDITED = ("vehicles_used", "trips", "route_km", "stops_routed", "stops_unrouted",
           "unrouted_kg", "orders_dispatched")
"""The figures of a routing run kept in the audit trail."""


def route_plan(factory: sessionmaker[Session], *, plan_id: int, day: date, rules: Settings,
               seconds_per_stop: float = 0.05, seed: int = 1, step: Progress = no_progress,
               roads: DistanceSource | None = None, by: str = "dispatch",
               source: Source = Source.SYSTEM, ref: str = "") -> RoutingOutcome:
    """Route every site's deliveries of a plan and store the routes and what stayed unrouted.

    Road distances come from `roads`, else from the OSRM server in the settings, else from
    great-circle distance times the road factor. The run is audited as made by `by` through
    `source`, against the plan's previous run.
    """
    t0 = time.perf_counter()
    with factory() as session:
        work = service.routing_problems(session, plan_id=plan_id, at=day_start(day), rules=rules)
    distances = roads or (OsrmSource(rules.osrm_url) if rules.osrm_url else None)
    if distances is not None:
        for routing in work:
            routing.problem = attach_matrix(routing.problem, distances)
    step(N_("Routing vehicles"), len(work))
    solved: list[tuple[service.SiteRouting, rt.RoutingResult]] = []
    with warnings.catch_warnings():
        # PyVRP warns when a site's fleet cannot carry all its load; that load is reported
        # as unrouted with its reason, so the warning adds nothing for the user.
        warnings.simplefilter("ignore", category=PenaltyBoundWarning)
        for routing in work:
            limit, iterations = site_budget(len(routing.problem.stops), seconds_per_stop)
            solved.append((routing, rt.solve(routing.problem, time_limit_s=limit, seed=seed,
                                             max_iterations=iterations)))
            step("", 1)
    unrouted_kg = 0.0
    for routing, result in solved:
        for u in result.unassigned:
            unrouted_kg += service.unassigned_kg(routing, u)
    figures: dict[str, Any] = {
        "vehicles_used": sum(r.vehicles_used for _s, r in solved),
        "route_km": round(sum(r.distance_m for _s, r in solved) / 1000, 1),
        "trips": sum(route.trips for _s, r in solved for route in r.routes),
        "stops_routed": sum(len(route.stops) for _s, r in solved for route in r.routes),
        "stops_unrouted": sum(len(r.unassigned) for _s, r in solved),
        "unrouted_kg": round(unrouted_kg, 1),
        "sites_routed": len(solved),
    }
    compound_of = {}
    with factory() as session:
        for h in session.scalars(select(HandoffPoint)):
            compound_of[h.id] = h.compound_id
    routed = {compound_of[routing.handoff_of_stop[s.id]] for routing, r in solved
              for route in r.routes for s in route.stops}
    short = {compound_of[routing.handoff_of_stop[u.id]] for routing, r in solved
             for u in r.unassigned}
    with unit_of_work(factory) as session:
        figures["routing_s"] = round(time.perf_counter() - t0, 3)
        figures["orders_dispatched"] = dispatch_orders(session, day=day, routed=routed,
                                                       short=short, by=by)
        previous = latest_run(session, plan_id=plan_id)
        run = service.store_routes(session, plan_id=plan_id, work=solved, summary=figures)
        run_id = run.id
        before = None if previous is None else {"run": previous.id, **{
            k: previous.summary[k] for k in AUDITED if k in previous.summary}}
        record(session, actor=Actor(by, source, ref), action="create", entity="routes",
               key=day.isoformat(), before=before,
               after={"plan": plan_id, "run": run_id, **{k: figures[k] for k in AUDITED}})
    return RoutingOutcome(run_id, figures)
