"""Write a generated sample city into the database through the domain services."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.delivery.service import NewVehicle, add_vehicles
from baogong.errors import Conflict
from baogong.i18n import N_
from baogong.ledger import service as ledger
from baogong.ledger.models import Product, Qualification, Site
from baogong.ledger.stock import OpeningStock, receive_opening
from baogong.regions import service as regions
from baogong.regions.models import Region, RegionLevel
from baogong.sample.catalogue import PACKS, PRODUCTS
from baogong.sample.generator import CitySpec
from baogong.types import Progress, no_progress
from baogong.workforce.models import TeamKind
from baogong.workforce.service import NewVolunteer, add_volunteers, create_team

"""Called as step(label, total) when a step starts and step("", n) to advance by n."""

LOADED_BY = "sample"


def is_empty(session: Session) -> bool:
    """Whether the database holds no regions yet."""
    return not session.scalar(select(func.count()).select_from(Region))


SAMPLE_LOADER = Actor("sample", Source.SYSTEM, "sample load")
"""Who loads the sample city unless told otherwise."""


def load(session: Session, city: CitySpec, step: Progress = no_progress, *,
         actor: Actor = SAMPLE_LOADER) -> dict[str, int]:
    """Write the city into an empty database, audited as one entry by `actor` (the records
    themselves are the sample's); returns counts of what was written."""
    if not is_empty(session):
        raise Conflict(N_("The database already holds regions; load the sample into an empty "
                          "one (baogong demo --fresh starts over)"), record="regions")
    now = datetime.now(UTC)
    ledger.seed_categories(session)
    step(N_("Regions and compounds"), len(city.regions))
    for r in city.regions:
        regions.create_region(
            session, code=r.code, name=r.name, level=RegionLevel(r.level), parent_code=r.parent,
            admin_code=r.admin_code, lat=r.lat, lon=r.lon, households=r.households,
            population=r.population, household_sizes=r.sizes, vulnerable=r.vulnerable,
            buildings=r.buildings,
        )
        if r.level == "compound":
            regions.add_handoff_point(
                session, code=f"H-{r.code}", compound_code=r.code, name=f"{r.name}北门接驳点",
                lat=round(r.lat + 0.0004, 6), lon=round(r.lon + 0.0003, 6),
                opens=time(7, 0), closes=time(18, 0) if r.households % 2 else time(19, 0))
        step("", 1)
    step(N_("Products and standard packs"), len(PRODUCTS) + len(PACKS))
    for code, name, cat, unit, kg, shelf, cold in PRODUCTS:
        ledger.create_product(session, code=code, name=name, category_code=cat, unit=unit,
                              kg_per_unit=kg, shelf_life_days=shelf, cold_chain=cold)
        step("", 1)
    for code, name, cost, price, subsidy, items, rules in PACKS:
        ledger.create_pack(session, code=code, name=name, cost=cost, price=price,
                           subsidy=subsidy, items=list(items), rules=list(rules), standard=True)
        step("", 1)
    sites = sum(len(e.sites) for e in city.enterprises)
    step(N_("Enterprises and sites"), sites)
    for e in city.enterprises:
        verified = e.qualification is Qualification.VERIFIED
        ledger.create_enterprise(
            session, name=e.name, credit_code_=e.credit_code, kind=e.kind,
            key_supply=e.key_supply, contact_name=e.contact, phone=e.phone,
            qualification=e.qualification, verified_at=now if verified else None,
            verified_by=LOADED_BY if verified else None,
            recheck_due=(now + timedelta(days=30)).date() if verified else None,
        )
        for s in e.sites:
            ledger.create_site(session, code=s.code, enterprise_credit_code=e.credit_code,
                               name=s.name, kind=s.kind, lat=s.lat, lon=s.lon,
                               capacity_kg=s.capacity_kg, region_code=s.region,
                               is_open=s.is_open)
            step("", 1)
    site_ids = {c: i for c, i in session.execute(select(Site.code, Site.id))}
    product_ids = {c: i for c, i in session.execute(select(Product.code, Product.id))}
    step(N_("Opening stock"), len(city.stock))
    receive_opening(session, (OpeningStock(site_ids[s], product_ids[p], q)
                              for s, p, q in city.stock), by=LOADED_BY, at=now)
    step("", len(city.stock))
    step(N_("Vehicles, teams and volunteers"), len(city.vehicles) + len(city.volunteers))
    add_vehicles(session, (NewVehicle(
        plate=v.plate, kind=v.kind, capacity_kg=v.capacity_kg, cold_chain=v.cold_chain,
        home_site_id=site_ids[v.home_site], pass_permit=v.pass_permit,
        permit_valid_to=(now + timedelta(days=14)).date() if v.pass_permit else None,
        driver_name=v.driver_name, driver_phone=v.driver_phone,
    ) for v in city.vehicles))
    team_ids = {}
    for code, name, region in city.teams:
        team_ids[code] = create_team(session, code=code, name=name, kind=TeamKind.VOLUNTEER,
                                     region_code=region).id
    add_volunteers(session, (NewVolunteer(code, name, phone, team_ids[team], hours_per_day=h)
                             for code, name, phone, team, h in city.volunteers))
    step("", len(city.vehicles) + len(city.volunteers))
    counts = {"regions": len(city.regions), "compounds": len(city.compounds),
              "enterprises": len(city.enterprises), "sites": sites,
              "stock_lines": len(city.stock), "vehicles": len(city.vehicles),
              "volunteers": len(city.volunteers)}
    record(session, actor=actor, action="create", entity="sample",
           key=f"{city.size.value}/{city.seed}", after=counts)
    return counts
