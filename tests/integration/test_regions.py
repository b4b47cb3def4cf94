"""Regions, hand-off points and zone declarations on both backends."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.errors import DomainError, NotFound
from baogong.regions import service as regions
from baogong.regions.models import Region, RegionLevel, ZoneDeclaration, ZoneStatus
from baogong.types import CHINA_TZ

DAY = datetime(2022, 4, 9, 8, 0, tzinfo=CHINA_TZ)


def _count(factory: sessionmaker[Session], model: type) -> int:
    with factory() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_unknown_region_code_is_refused_and_changes_nothing(tiny: sessionmaker[Session]) -> None:
    """A compound under a parent code that does not exist names the code; nothing is stored."""
    before = _count(tiny, Region)
    with pytest.raises(NotFound) as err, unit_of_work(tiny) as s:
        regions.create_region(s, code="X-01", name="无名小区", level=RegionLevel.COMPOUND,
                              parent_code="440111999999", households=5)
    assert err.value.record == "region 440111999999"
    assert "440111999999" in err.value.text()
    assert _count(tiny, Region) == before


def test_negative_households_are_refused(tiny: sessionmaker[Session]) -> None:
    """A negative household count is refused naming the field, and nothing is stored."""
    before = _count(tiny, Region)
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        regions.create_region(s, code="X-02", name="负数小区", level=RegionLevel.COMPOUND,
                              parent_code="440111016001", households=-3)
    assert (err.value.record, err.value.field) == ("region X-02", "households")
    assert _count(tiny, Region) == before


def test_level_must_fit_under_parent(tiny: sessionmaker[Session]) -> None:
    """A compound directly under a district is refused."""
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        regions.create_region(s, code="X-03", name="错层小区", level=RegionLevel.COMPOUND,
                              parent_code="440111")
    assert err.value.field == "parent_code"


def test_sealing_a_subdistrict_seals_its_compounds(tiny: sessionmaker[Session]) -> None:
    """A sealed subdistrict makes every compound under it sealed while the zone lasts."""
    with unit_of_work(tiny) as s:
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=DAY, valid_to=DAY + timedelta(days=7))
    with tiny() as s:
        compound = regions.get_region(s, code="440111016001-01")
        assert regions.compound_statuses(s, at=DAY + timedelta(hours=1))[compound.id] == (
            ZoneStatus.SEALED)
        assert regions.compound_statuses(s, at=DAY - timedelta(hours=1))[compound.id] == (
            ZoneStatus.NORMAL)
        assert regions.compound_statuses(s, at=DAY + timedelta(days=8))[compound.id] == (
            ZoneStatus.NORMAL)


def test_a_compound_declaration_overrides_its_subdistrict(tiny: sessionmaker[Session]) -> None:
    """A compound downgraded to controlled inside a sealed subdistrict is controlled."""
    with unit_of_work(tiny) as s:
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=DAY)
        regions.declare_zone(s, region_code="440111016001-01", status=ZoneStatus.CONTROLLED,
                             valid_from=DAY + timedelta(days=2))
    with tiny() as s:
        cid = regions.get_region(s, code="440111016001-01").id
        assert regions.compound_statuses(s, at=DAY + timedelta(days=1))[cid] == ZoneStatus.SEALED
        assert regions.compound_statuses(s, at=DAY + timedelta(days=3))[cid] == (
            ZoneStatus.CONTROLLED)


def test_zone_ending_before_it_starts_is_refused(tiny: sessionmaker[Session]) -> None:
    """A declaration whose end precedes its start is refused and not stored."""
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        regions.declare_zone(s, region_code="440111016", status=ZoneStatus.SEALED,
                             valid_from=DAY, valid_to=DAY - timedelta(days=1))
    assert err.value.field == "valid_to"
    assert _count(tiny, ZoneDeclaration) == 0


def test_handoff_point_window_must_open_before_it_closes(tiny: sessionmaker[Session]) -> None:
    """A hand-off point open from 11:00 to 07:00 is refused."""
    with pytest.raises(DomainError) as err, unit_of_work(tiny) as s:
        regions.add_handoff_point(s, code="H1", compound_code="440111016001-01", name="北门",
                                  lat=23.18, lon=113.27, opens=time(11), closes=time(7))
    assert err.value.field == "opens"
