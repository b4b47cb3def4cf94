"""`plan_day` on the small sample city: a stored plan that respects stock, capacity and rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.delivery.fleet import MAX_TRIPS
from baogong.delivery.models import Vehicle
from baogong.ledger.models import Enterprise, Product, Qualification, Site, StockBalance
from baogong.planning import flows, service
from baogong.planning.models import Plan, PlanFlow, PlanUnmet
from baogong.regions import service as regions
from baogong.regions.models import ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import day_start

DAY = date(2022, 4, 9)


@pytest.fixture
def sealed_city(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """The small city with 云城 and 新市 sealed on DAY."""
    with unit_of_work(factory) as s:
        load(s, generate(11, Size.SMALL))
        for code in ("440111016", "440111008"):
            regions.declare_zone(s, region_code=code, status=ZoneStatus.SEALED,
                                 valid_from=day_start(DAY))
    return factory


def test_plan_respects_stock_capacity_and_site_rules(sealed_city: sessionmaker[Session]) -> None:
    """No site ships more than its stock or capacity; closed or unverified sites ship nothing."""
    outcome = flows.plan_day(sealed_city, day=DAY, by="test")
    with sealed_city() as s:
        plan_flows = list(s.scalars(select(PlanFlow).where(PlanFlow.plan_id == outcome.plan_id)))
        assert plan_flows
        kg = {p.id: float(p.kg_per_unit) for p in s.scalars(select(Product))}
        stock = {(b.site_id, b.product_id): float(b.quantity)
                 for b in s.scalars(select(StockBalance))}
        sites = {site.id: (site, q) for site, q in s.execute(
            select(Site, Enterprise.qualification).join(Enterprise))}
        shipped: dict[tuple[int, int], int] = defaultdict(int)
        load_kg: dict[int, float] = defaultdict(float)
        for f in plan_flows:
            shipped[(f.site_id, f.product_id)] += f.quantity
            load_kg[f.site_id] += f.quantity * kg[f.product_id]
            site, qualification = sites[f.site_id]
            assert site.is_open and qualification == Qualification.VERIFIED
            assert 0 <= f.priority_quantity <= f.quantity
        for key, q in shipped.items():
            assert q <= stock[key]
        for site_id, total in load_kg.items():
            assert total <= float(sites[site_id][0].capacity_kg) + 1e-6


def test_plan_covers_demand_exactly_with_unmet(sealed_city: sessionmaker[Session]) -> None:
    """For every compound and product, planned plus unmet units equal what its packs need."""
    outcome = flows.plan_day(sealed_city, day=DAY, by="test")
    with sealed_city() as s:
        snap = service.snapshot(s, day=DAY, at=day_start(DAY))
        want = {(c.id, p): d.priority + d.regular
                for c in snap.problem.communities for p, d in c.demand.items()}
        got: dict[tuple[str, str], int] = defaultdict(int)
        codes = {v: k for k, v in snap.compound_ids.items()}
        pcodes = {v: k for k, v in snap.product_ids.items()}
        for f in s.scalars(select(PlanFlow).where(PlanFlow.plan_id == outcome.plan_id)):
            got[(codes[f.compound_id], pcodes[f.product_id])] += f.quantity
        for u in s.scalars(select(PlanUnmet).where(PlanUnmet.plan_id == outcome.plan_id)):
            got[(codes[u.compound_id], pcodes[u.product_id])] += u.priority + u.regular
        assert dict(got) == want


def test_vulnerable_households_are_served_first(sealed_city: sessionmaker[Session]) -> None:
    """Under the sample's pork and egg shortage, no priority unit is left unmet."""
    outcome = flows.plan_day(sealed_city, day=DAY, by="test")
    assert outcome.figures["unmet_packs"] > 0
    assert outcome.figures["priority_unmet_packs"] == 0
    with sealed_city() as s:
        assert all(u.priority == 0 for u in s.scalars(select(PlanUnmet)))


def test_pick_lists_and_latest_plan(sealed_city: sessionmaker[Session]) -> None:
    """The newest plan of the day is found, and its pick lists add up to its flows."""
    flows.plan_day(sealed_city, day=DAY, by="first")
    second = flows.plan_day(sealed_city, day=DAY, by="second")
    with sealed_city() as s:
        plan = service.latest_plan(s, day=DAY)
        assert plan is not None and plan.id == second.plan_id
        lines = service.pick_lists(s, plan_id=plan.id)
        total = sum(f.quantity for f in s.scalars(
            select(PlanFlow).where(PlanFlow.plan_id == plan.id)))
        assert sum(line.quantity for line in lines) == total
        one = lines[0].site
        assert all(line.site == one for line in service.pick_lists(s, plan_id=plan.id,
                                                                    site_code=one))


def test_plan_stays_within_what_each_site_can_deliver(sealed_city: sessionmaker[Session]) -> None:
    """A site whose vehicles cannot enter sealed compounds ships nothing, cold-chain stock
    ships only where a refrigerated vehicle is based, and no site ships more than its
    vehicles carry in a day."""
    with unit_of_work(sealed_city) as s:
        cold_held = select(StockBalance.site_id).join(Product).where(
            Product.cold_chain.is_(True), StockBalance.quantity > 0)
        open_sites = select(Site).where(Site.is_open.is_(True), Site.id.in_(cold_held))
        no_pass, no_cold = list(s.scalars(open_sites.order_by(Site.code)))[:2]
        for v in s.scalars(select(Vehicle).where(Vehicle.home_site_id == no_pass.id)):
            v.pass_permit = None
        for v in s.scalars(select(Vehicle).where(Vehicle.home_site_id == no_cold.id)):
            v.cold_chain = False
    outcome = flows.plan_day(sealed_city, day=DAY, by="test")
    with sealed_city() as s:
        plan = s.get(Plan, outcome.plan_id)
        assert plan is not None
        limits = plan.summary["fleet_limits"]
        assert no_pass.code in limits["no_vehicle"]
        assert no_cold.code in limits["no_cold_vehicle"]
        cold = {p.id for p in s.scalars(select(Product).where(Product.cold_chain.is_(True)))}
        kg = {p.id: float(p.kg_per_unit) for p in s.scalars(select(Product))}
        load_kg: dict[int, float] = defaultdict(float)
        for f in s.scalars(select(PlanFlow).where(PlanFlow.plan_id == plan.id)):
            assert f.site_id != no_pass.id
            assert not (f.site_id == no_cold.id and f.product_id in cold)
            load_kg[f.site_id] += f.quantity * kg[f.product_id]
        carry: dict[int, float] = defaultdict(float)
        for v in s.scalars(select(Vehicle).where(Vehicle.available.is_(True),
                                                 Vehicle.pass_permit.is_not(None))):
            if v.home_site_id is not None:
                carry[v.home_site_id] += float(v.capacity_kg) * MAX_TRIPS
        for site_id, total in load_kg.items():
            assert total <= carry[site_id] + 1e-6
