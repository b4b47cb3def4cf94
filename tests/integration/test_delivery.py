"""Routing the day's plan, proof of delivery, run sheets and the last 100 m, on both backends."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.config import Settings
from baogong.db import unit_of_work
from baogong.delivery import lastmile, pod, runsheet
from baogong.delivery.flows import route_plan
from baogong.delivery.models import Route, RouteStop, StopStatus, Unrouted, Vehicle
from baogong.errors import Conflict, DomainError
from baogong.ledger.models import Product
from baogong.planning import flows
from baogong.planning.models import PlanFlow
from baogong.regions import service as regions
from baogong.regions.models import HandoffPoint, ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import day_start

DAY = date(2022, 4, 9)
RULES = Settings()


@pytest.fixture
def routed(factory: sessionmaker[Session]) -> tuple[sessionmaker[Session], int, int]:
    """The small city with 云城 sealed, planned and routed: (factory, plan id, run id)."""
    with unit_of_work(factory) as s:
        load(s, generate(5, Size.SMALL))
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=day_start(DAY))
    plan = flows.plan_day(factory, day=DAY, by="test")
    run = route_plan(factory, plan_id=plan.plan_id, day=DAY, rules=RULES)
    return factory, plan.plan_id, run.run_id


def test_every_planned_kg_is_routed_or_reported(
    routed: tuple[sessionmaker[Session], int, int],
) -> None:
    """Per site and hand-off point, routed plus unrouted kg equal the plan's kg."""
    factory, plan_id, run_id = routed
    with factory() as s:
        kg = {p.id: float(p.kg_per_unit) for p in s.scalars(select(Product))}
        handoff = {h.compound_id: h.id for h in s.scalars(select(HandoffPoint))}
        want: dict[tuple[int, int], float] = defaultdict(float)
        for f in s.scalars(select(PlanFlow).where(PlanFlow.plan_id == plan_id)):
            want[(f.site_id, handoff[f.compound_id])] += f.quantity * kg[f.product_id]
        got: dict[tuple[int, int], float] = defaultdict(float)
        for route in pod.routes_of_run(s, run_id=run_id):
            for stop in route.stops:
                got[(route.site_id, stop.handoff_id)] += float(stop.load_kg)
        for u in s.scalars(select(Unrouted).where(Unrouted.run_id == run_id)):
            got[(u.site_id, u.handoff_id)] += float(u.load_kg)
            assert u.reason
        assert set(got) == set(want)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=0.01)


def test_routes_respect_vehicle_capacity_cold_chain_and_passes(
    routed: tuple[sessionmaker[Session], int, int],
) -> None:
    """Each trip fits its vehicle; cold loads ride cold vans; sealed stops need a pass."""
    factory, _plan, run_id = routed
    with factory() as s:
        routes = pod.routes_of_run(s, run_id=run_id)
        assert routes
        for route in routes:
            vehicle = s.get(Vehicle, route.vehicle_id)
            assert vehicle is not None and vehicle.home_site_id == route.site_id
            assert vehicle.pass_permit is not None  # every stop here is in a sealed zone
            per_trip: dict[int, float] = defaultdict(float)
            for stop in route.stops:
                per_trip[stop.trip] += float(stop.load_kg)
                if stop.cold:
                    assert vehicle.cold_chain
            assert max(per_trip.values()) <= float(vehicle.capacity_kg) + 0.01


def test_proof_of_delivery_rules(routed: tuple[sessionmaker[Session], int, int]) -> None:
    """A stop is confirmed once; delivery needs a receiver, failure needs a reason."""
    factory, _plan, _run = routed
    with factory() as s:
        first, second = s.scalars(select(RouteStop).order_by(RouteStop.id).limit(2)).all()
    with pytest.raises(DomainError) as err, unit_of_work(factory) as s:
        pod.confirm_stop(s, stop_id=first.id, status=StopStatus.DELIVERED, by="张师傅")
    assert err.value.field == "received_by"
    with pytest.raises(DomainError) as err, unit_of_work(factory) as s:
        pod.confirm_stop(s, stop_id=second.id, status=StopStatus.FAILED, by="张师傅")
    assert err.value.field == "note"
    with unit_of_work(factory) as s:
        pod.confirm_stop(s, stop_id=first.id, status=StopStatus.DELIVERED, by="张师傅",
                         received_by="李社工")
    with pytest.raises(Conflict), unit_of_work(factory) as s:
        pod.confirm_stop(s, stop_id=first.id, status=StopStatus.FAILED, by="x", note="again")
    with factory() as s:
        stop = s.get(RouteStop, first.id)
        assert stop is not None and stop.status is StopStatus.DELIVERED
        assert stop.received_by == "李社工" and stop.delivered_at is not None


def test_run_sheet_lists_every_stop_of_a_route(
    routed: tuple[sessionmaker[Session], int, int],
) -> None:
    """The printable run sheet names the vehicle and every stop id of its route."""
    factory, _plan, run_id = routed
    with factory() as s:
        route = s.scalars(select(Route).where(Route.run_id == run_id)).first()
        assert route is not None
        html = runsheet.render(runsheet.sheets(s, run_id=run_id), day=DAY)
        assert route.vehicle_label in html
        for stop in route.stops:
            assert f"<td>{stop.id}</td>" in html
        assert "http" not in html


def test_last_100m_matches_plan_and_manifest_adds_up(
    routed: tuple[sessionmaker[Session], int, int],
) -> None:
    """Volunteer-hours follow the sealed rule; a manifest's buildings add up to its point."""
    factory, plan_id, _run = routed
    with factory() as s:
        loads = lastmile.handoff_loads(s, plan_id=plan_id, day=DAY, rules=RULES)
    assert loads
    for x in loads:
        assert x.status is ZoneStatus.SEALED
        assert x.volunteer_hours_needed <= x.households * RULES.door_minutes_sealed / 60 + 1e-9
        lines = lastmile.manifest(x)
        assert [line.building for line in lines] == list(range(1, len(lines) + 1))
        assert sum(line.households for line in lines) == x.households
        assert sum(line.packs for line in lines) == x.packs


def test_road_distances_come_from_the_configured_source(factory: sessionmaker[Session]) -> None:
    """With a distance source, every site's problem asks it once and routes use its roads."""
    from baogong.adapters.distance import FakeSource

    with unit_of_work(factory) as s:
        load(s, generate(5, Size.SMALL))
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=day_start(DAY))
    plan = flows.plan_day(factory, day=DAY, by="test")
    roads = FakeSource()
    haversine = route_plan(factory, plan_id=plan.plan_id, day=DAY, rules=RULES)
    fake = route_plan(factory, plan_id=plan.plan_id, day=DAY, rules=RULES, roads=roads)
    assert len(roads.calls) == fake.figures["sites_routed"] > 0
    assert fake.figures["route_km"] != haversine.figures["route_km"]
