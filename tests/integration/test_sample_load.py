"""The small sample city loads on both backends, deterministically, and sizes its demand."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.demand.service import standard_pack_demand
from baogong.errors import Conflict
from baogong.ledger.models import Enterprise, Qualification, Site, StockBalance
from baogong.ledger.stock import available_stock, ledger_mismatches
from baogong.regions import service as regions
from baogong.regions.models import Region, ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import CHINA_TZ

DAY = datetime(2022, 4, 9, tzinfo=CHINA_TZ)


def test_small_sample_loads_with_consistent_stock(factory: sessionmaker[Session]) -> None:
    """Loading the small city writes its regions, sites and stock; balances match the ledger."""
    city = generate(7, Size.SMALL)
    with unit_of_work(factory) as s:
        counts = load(s, city)
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Region)) == counts["regions"]
        assert s.scalar(select(func.count()).select_from(Site)) == counts["sites"]
        assert s.scalar(select(func.count()).select_from(StockBalance)) == len(city.stock)
        assert ledger_mismatches(s) == []
        assert regions.get_region(s, code="440111016").name == "云城街道"


def test_loading_twice_is_refused(factory: sessionmaker[Session]) -> None:
    """A second load into a database that holds regions is refused and adds nothing."""
    with unit_of_work(factory) as s:
        load(s, generate(7, Size.SMALL))
    with factory() as s:
        before = s.scalar(select(func.count()).select_from(Region))
    with pytest.raises(Conflict), unit_of_work(factory) as s:
        load(s, generate(8, Size.SMALL))
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Region)) == before


def test_sealed_demand_covers_only_sealed_compounds(factory: sessionmaker[Session]) -> None:
    """Sealing 云城 turns exactly its compounds' households into standard-pack demand."""
    with unit_of_work(factory) as s:
        load(s, generate(7, Size.SMALL))
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=DAY)
    with factory() as s:
        demand = standard_pack_demand(s, at=DAY)
        yuncheng = regions.compounds(s, under="440111016")
        assert {d.code for d in demand} == {c.code for c in yuncheng}
        assert sum(d.households for d in demand) == sum(c.households for c in yuncheng)
        for d in demand:
            assert 0 < d.priority_packs["veg-10"] <= d.packs["veg-10"]


def test_unverified_and_closed_sites_hold_no_usable_stock(factory: sessionmaker[Session]) -> None:
    """Stock at pending or suspended suppliers and at closed sites is not counted as usable."""
    with unit_of_work(factory) as s:
        load(s, generate(7, Size.SMALL))
    with factory() as s:
        total = available_stock(s)
        usable_sites = select(Site.id).join(Enterprise).where(
            Site.is_open.is_(True), Enterprise.qualification == Qualification.VERIFIED)
        expected = s.scalar(select(func.sum(StockBalance.quantity)).where(
            StockBalance.site_id.in_(usable_sites)))
        assert float(sum(total.values())) == pytest.approx(float(expected))
        assert s.scalar(select(func.count()).select_from(Site).where(Site.is_open.is_(False)))
