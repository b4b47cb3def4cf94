"""The fleet, the routing problem of a plan, and stored routes. Functions never commit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from baogong.config import Settings
from baogong.delivery.fleet import MAX_TRIPS
from baogong.delivery.models import Route, RouteStop, RoutingRun, Unrouted, Vehicle
from baogong.errors import DomainError, NotFound
from baogong.i18n import N_
from baogong.ledger.models import Product, Site
from baogong.optim import routing as rt
from baogong.planning.models import Plan, PlanFlow
from baogong.regions.models import HandoffPoint, ZoneStatus
from baogong.regions.service import compound_statuses, compounds


@dataclass(frozen=True)
class NewVehicle:
    """A vehicle to register."""

    plate: str
    kind: str
    capacity_kg: Decimal
    cold_chain: bool
    home_site_id: int | None
    pass_permit: str | None = None
    permit_valid_to: date | None = None
    driver_name: str = ""
    driver_phone: str = ""


def add_vehicles(session: Session, vehicles: Iterable[NewVehicle]) -> int:
    """Register vehicles; capacity must be positive."""
    rows = list(vehicles)
    for v in rows:
        if v.capacity_kg <= 0:
            raise DomainError(N_("{field} must be positive (got {value})"),
                              record=f"vehicle {v.plate}", field="capacity_kg",
                              value=v.capacity_kg)
    if rows:
        session.execute(insert(Vehicle), [v.__dict__ for v in rows])
    return len(rows)


@dataclass
class SiteRouting:
    """One site's routing problem and how to map its answers back to records."""

    site_id: int
    problem: rt.RoutingProblem
    plates: dict[str, list[tuple[int, str]]]  # vehicle type id -> [(vehicle id, plate)]
    handoff_of_stop: dict[str, int] = field(default_factory=dict)
    cold_stops: set[str] = field(default_factory=set)


def _minutes(t: Any) -> int:
    return int(t.hour) * 60 + int(t.minute)


def routing_problems(session: Session, *, plan_id: int, at: datetime,
                     rules: Settings) -> list[SiteRouting]:
    """One routing problem per site that ships in the plan: its flows to hand-off points.

    Each site runs its own vehicles (those based there), so the sites' problems are
    independent and solving them one by one is exact. A stop is a (site, hand-off point)
    pair, split into a cold-chain and an ambient load; vehicles entering sealed or
    controlled compounds need a pass permit.
    """
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(N_("Unknown plan {id}"), record=f"plan {plan_id}", field="plan",
                       id=plan_id)
    products = {p.id: p for p in session.scalars(select(Product))}
    handoffs: dict[int, HandoffPoint] = {}
    for h in session.scalars(select(HandoffPoint).order_by(HandoffPoint.code)):
        handoffs.setdefault(h.compound_id, h)
    status = compound_statuses(session, at=at, items=compounds(session))
    loads: dict[int, dict[tuple[int, bool], float]] = defaultdict(lambda: defaultdict(float))
    for f in session.scalars(select(PlanFlow).where(PlanFlow.plan_id == plan_id)):
        p = products[f.product_id]
        loads[f.site_id][(f.compound_id, p.cold_chain)] += f.quantity * float(p.kg_per_unit)
    sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(list(loads))))}
    fleet: dict[int, list[Vehicle]] = defaultdict(list)
    for v in session.scalars(select(Vehicle).where(Vehicle.home_site_id.in_(list(loads)),
                                                   Vehicle.available.is_(True))
                             .order_by(Vehicle.plate)):
        if v.home_site_id is not None:
            fleet[v.home_site_id].append(v)
    out = []
    for site_id in sorted(loads, key=lambda i: sites[i].code):
        site = sites[site_id]
        out.append(_site_problem(site, loads[site_id], fleet[site_id], handoffs, status, rules))
    return out


def _site_problem(site: Site, loads: dict[tuple[int, bool], float], vehicles: list[Vehicle],
                  handoffs: dict[int, HandoffPoint], status: dict[int, ZoneStatus],
                  rules: Settings) -> SiteRouting:
    types: dict[str, list[Vehicle]] = defaultdict(list)
    for v in vehicles:
        key = f"{v.kind}-{int(v.capacity_kg)}{'-cold' if v.cold_chain else ''}" + (
            "-pass" if v.pass_permit else "")
        types[key].append(v)
    vtypes = [rt.VehicleType(id=k, count=len(vs), capacity_kg=float(vs[0].capacity_kg),
                             depot=site.code, cold_chain=vs[0].cold_chain,
                             shift_minutes=rules.shift_minutes,
                             permit=vs[0].pass_permit is not None, max_trips=MAX_TRIPS)
              for k, vs in sorted(types.items())]
    handoff_of_stop: dict[str, int] = {}
    cold_stops: set[str] = set()
    stops = []
    for (compound_id, cold), kg in sorted(loads.items()):
        h = handoffs.get(compound_id)
        if h is None or kg <= 0:
            continue
        stop_id = f"{site.code}>{h.code}{'/cold' if cold else ''}"
        handoff_of_stop[stop_id] = h.id
        if cold:
            cold_stops.add(stop_id)
        stops.append(rt.Stop(
            id=stop_id, lat=h.lat, lon=h.lon, load_kg=round(kg, 3), cold=cold,
            service_minutes=rules.stop_minutes, window=(_minutes(h.opens), _minutes(h.closes)),
            needs_permit=status.get(compound_id) in (ZoneStatus.SEALED, ZoneStatus.CONTROLLED)))
    problem = rt.RoutingProblem(
        depots=(rt.Depot(id=site.code, lat=site.lat, lon=site.lon, window=(6 * 60, 20 * 60)),),
        vehicle_types=tuple(vtypes), stops=tuple(stops),
        options=rt.RoutingOptions(road_factor=rules.road_factor, speed_kmh=rules.speed_kmh))
    plates = {k: [(v.id, v.plate) for v in vs] for k, vs in types.items()}
    return SiteRouting(site.id, problem, plates, handoff_of_stop, cold_stops)


def store_routes(session: Session, *, plan_id: int, work: list[tuple[SiteRouting,
                                                                    rt.RoutingResult]],
                 summary: dict[str, Any]) -> RoutingRun:
    """Write the routes, their stops (ready for proof of delivery) and what was not routed."""
    run = RoutingRun(plan_id=plan_id, summary=summary)
    session.add(run)
    session.flush()
    for routing, result in work:
        for r in result.routes:
            kind, _, n = r.vehicle.rpartition("-")
            vehicle_id, plate = routing.plates[kind][int(n) - 1]
            route = Route(run_id=run.id, site_id=routing.site_id, vehicle_id=vehicle_id,
                          vehicle_label=plate, distance_m=r.distance_m, duration_s=r.duration_s,
                          start=r.start, end=r.end, trips=r.trips)
            route.stops = [RouteStop(seq=i, trip=s.trip, handoff_id=routing.handoff_of_stop[s.id],
                                     arrival=s.arrival, load_kg=Decimal(str(round(s.load_kg, 3))),
                                     cold=s.id in routing.cold_stops)
                           for i, s in enumerate(r.stops, start=1)]
            session.add(route)
        for u in result.unassigned:
            session.add(Unrouted(run_id=run.id, site_id=routing.site_id,
                                 handoff_id=routing.handoff_of_stop[u.id],
                                 load_kg=Decimal(str(round(unassigned_kg(routing, u), 3))),
                                 code=u.code, reason=u.message_id,
                                 params={k: str(v) for k, v in u.params.items()}))
    session.flush()
    return run


def unassigned_kg(routing: SiteRouting, u: rt.Unassigned) -> float:
    missing = u.params.get("missing_kg")
    if missing is not None:
        return float(missing)
    return next(s.load_kg for s in routing.problem.stops if s.id == u.id)
