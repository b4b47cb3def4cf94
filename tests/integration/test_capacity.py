"""Capacity estimation from the database, and what-ifs that change nothing stored."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baogong.config import Settings
from baogong.db import unit_of_work
from baogong.delivery.capacity import area_loads, estimate
from baogong.regions import service as regions
from baogong.regions.models import ZoneDeclaration, ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import day_start

DAY = day_start(date(2022, 4, 9))


def test_sealing_more_in_a_what_if_raises_need_and_stores_nothing(
    factory: sessionmaker[Session],
) -> None:
    """Treating 棠景街 as sealed too adds households and kg, and writes no zone declaration."""
    with unit_of_work(factory) as s:
        load(s, generate(3, Size.SMALL))
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=DAY)
    with factory() as s:
        base = area_loads(s, at=DAY, rules=Settings())[0]
        more = area_loads(s, at=DAY, rules=Settings(), also_sealed=["440111007"])[0]
        s.rollback()
    assert base.sealed_households > 0
    assert more.sealed_households > base.sealed_households
    assert more.demand_kg > base.demand_kg
    assert estimate(more, Settings()).volunteer_hours_needed > estimate(
        base, Settings()).volunteer_hours_needed
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(ZoneDeclaration)) == 1


def test_only_vehicles_with_a_pass_count(factory: sessionmaker[Session]) -> None:
    """Vehicles without a pass permit are not counted as available."""
    city = generate(3, Size.SMALL)
    with unit_of_work(factory) as s:
        load(s, city)
    with factory() as s:
        area = area_loads(s, at=DAY, rules=Settings())[0]
    assert area.vehicles == sum(1 for v in city.vehicles if v.pass_permit)
    assert area.vehicles < len(city.vehicles)
