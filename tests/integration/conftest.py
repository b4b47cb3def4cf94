"""A tiny named ledger used by the storage tests: one compound, two sites, one product."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from baogong.db import unit_of_work
from baogong.ledger import service as ledger
from baogong.ledger.models import EnterpriseKind, Qualification, SiteKind
from baogong.regions import service as regions
from baogong.regions.models import RegionLevel
from baogong.types import Unit

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
