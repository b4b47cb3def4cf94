"""Fixtures of the storage and API tests: a tiny named ledger (one compound, two sites, one
product), its crew, and the small sample city planned and routed with one account per role."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.ledger import service as ledger
from baogong.ledger.models import EnterpriseKind, Qualification, SiteKind
from baogong.regions import service as regions
from baogong.regions.models import RegionLevel
from baogong.types import Unit
from tests.integration.test_api_fixtures import City, build_city, client_for, wipe

CREDIT = "914403001922038216"


@pytest.fixture
def tiny(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Commit the tiny ledger and return the session factory."""
    with unit_of_work(factory) as s:
        regions.create_region(s, code="440100", name="广州市", level=RegionLevel.CITY)
        regions.create_region(s, code="440111", name="白云区", level=RegionLevel.DISTRICT,
                              parent_code="440100")
        regions.create_region(s, code="440111016", name="云城街道",
                              level=RegionLevel.SUBDISTRICT, parent_code="440111")
        regions.create_region(s, code="440111016001", name="萧岗社区",
                              level=RegionLevel.COMMUNITY, parent_code="440111016")
        regions.create_region(s, code="440111016001-01", name="萧岗花园",
                              level=RegionLevel.COMPOUND, parent_code="440111016001",
                              lat=23.18, lon=113.27, households=10, population=26,
                              household_sizes={"1": 2, "2": 3, "3": 3, "4": 1, "5": 1},
                              vulnerable={"elderly_alone": 2, "disabled": 1})
        ledger.seed_categories(s)
        ledger.create_enterprise(s, name="穗福超市", credit_code_=CREDIT,
                                 kind=EnterpriseKind.SUPERMARKET_CHAIN,
                                 qualification=Qualification.VERIFIED)
        for code in ("S1", "S2"):
            ledger.create_site(s, code=code, enterprise_credit_code=CREDIT, name=code,
                               kind=SiteKind.STORE, lat=23.18, lon=113.27,
                               capacity_kg=Decimal("2000"))
        ledger.create_product(s, code="rice-5kg", name="大米", category_code="grain",
                              unit=Unit.BAG, kg_per_unit=Decimal("5"))
    return factory


@pytest.fixture
def crew(tiny: sessionmaker[Session]) -> sessionmaker[Session]:
    """The tiny ledger plus a second community, a hand-off point in each compound, a team in
    each community and its volunteers: V1 (8 h a day) and V2 (unavailable) serve 萧岗, V3
    serves 均禾."""
    from datetime import time

    from baogong.workforce import service as workforce
    from baogong.workforce.models import Availability, TeamKind

    with unit_of_work(tiny) as s:
        regions.create_region(s, code="440111016002", name="均禾社区",
                              level=RegionLevel.COMMUNITY, parent_code="440111016")
        regions.create_region(s, code="440111016002-01", name="均禾花园",
                              level=RegionLevel.COMPOUND, parent_code="440111016002",
                              lat=23.19, lon=113.28, households=8, population=20)
        for code, compound in (("H1", "440111016001-01"), ("H2", "440111016002-01")):
            regions.add_handoff_point(s, code=code, compound_code=compound, name=f"{code}北门",
                                      lat=23.18, lon=113.27, opens=time(7), closes=time(20))
        a = workforce.create_team(s, code="TA", name="萧岗志愿服务队", kind=TeamKind.VOLUNTEER,
                                  region_code="440111016001")
        b = workforce.create_team(s, code="TB", name="均禾志愿服务队", kind=TeamKind.VOLUNTEER,
                                  region_code="440111016002")
        workforce.add_volunteers(s, [
            workforce.NewVolunteer("V1", "林鹏", "13800000001", a.id),
            workforce.NewVolunteer("V2", "蒋桂", "13800000002", a.id,
                                   availability=Availability.UNAVAILABLE),
            workforce.NewVolunteer("V3", "何华", "13800000003", b.id,
                                   hours_per_day=Decimal("4")),
        ])
    return tiny


@pytest.fixture(scope="module")
def city(engine: Engine) -> Iterator[City]:
    """The small sample city, planned and routed, with one account per role (built once per
    module; the module's tests share it)."""
    c = build_city(engine)
    yield c
    wipe(c)


@pytest.fixture(scope="module")
def client(city: City) -> Iterator[TestClient]:
    """A client of the app on the city's database."""
    with client_for(city) as c:
        yield c
