"""Support for the API and page tests (no tests here): the small sample city, planned and
routed, with one account per role and records inside and outside each account's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from baogong.app import create_app
from baogong.audit.models import Source
from baogong.audit.service import Actor
from baogong.auth.demo import DEMO_PASSWORD, create_demo_users
from baogong.auth.models import Role, User
from baogong.auth.scope import whole_city
from baogong.config import Settings
from baogong.db import session_factory, unit_of_work
from baogong.delivery.flows import route_plan
from baogong.delivery.models import Route, RouteStop, Vehicle
from baogong.ledger.models import Enterprise, Site
from baogong.planning import flows
from baogong.regions import service as regions
from baogong.regions.models import HandoffPoint, Region, ZoneStatus
from baogong.sample.generator import Size, generate
from baogong.sample.load import load
from baogong.types import day_start
from baogong.workforce.models import ShiftTask, Team, Volunteer
from baogong.workforce.queries import assign_shift
from baogong.workforce.service import ShiftIn
from tests.conftest import _wipe

DAY = date(2022, 4, 9)
SEALED = ("440111016", "440111006", "440111008")  # 云城, 黄石, 新市 in the small city


@dataclass
class City:
    """Codes and ids the tests need, chosen inside and outside each demo account's scope."""

    engine: Engine
    plan_id: int
    run_id: int
    own_site: str = ""
    other_site: str = ""
    driver_site: str = ""
    product: str = "rice-2.5kg"
    driver_stops: list[int] = field(default_factory=list)
    community_stops: list[int] = field(default_factory=list)
    other_stops: list[int] = field(default_factory=list)
    community_compounds: set[str] = field(default_factory=set)
    volunteer: str = ""
    """The volunteer account's volunteer (of a team serving the community account's area)."""
    own_handoff: str = ""
    other_volunteer: str = ""
    other_handoff: str = ""
    own_shift: int = 0
    other_shift: int = 0


def build_city(engine: Engine) -> City:
    """Load, seal, plan, route, add the demo accounts; return the interesting records."""
    _wipe(engine)
    factory = session_factory(engine)
    with unit_of_work(factory) as s:
        load(s, generate(5, Size.SMALL))
        for code in SEALED:
            regions.declare_zone(s, region_code=code, status=ZoneStatus.SEALED,
                                 valid_from=day_start(DAY))
    plan = flows.plan_day(factory, day=DAY, by="test")
    run = route_plan(factory, plan_id=plan.plan_id, day=DAY, rules=Settings())
    city = City(engine, plan.plan_id, run.run_id)
    with unit_of_work(factory) as s:
        create_demo_users(s)
        users = {u.role: u for u in s.scalars(select(User))}
        ent = users[Role.ENTERPRISE].enterprise_id
        own = s.scalars(select(Site.code).where(Site.enterprise_id == ent).order_by(Site.code))
        city.own_site = next(iter(own))
        vehicle = s.get(Vehicle, users[Role.DRIVER].vehicle_id)
        assert vehicle is not None and vehicle.home_site_id is not None
        city.driver_site = s.get(Site, vehicle.home_site_id).code  # type: ignore[union-attr]
        city.other_site = s.scalars(select(Site.code).join(Enterprise)
                                    .where(Enterprise.id != ent, Site.code != city.driver_site)
                                    .order_by(Site.code)).first() or ""
        community = s.get(Region, users[Role.COMMUNITY].region_id)
        assert community is not None
        rows = s.execute(select(RouteStop.id, Route.vehicle_id, Region.path, Region.code)
                         .join(Route, Route.id == RouteStop.route_id)
                         .join(HandoffPoint, HandoffPoint.id == RouteStop.handoff_id)
                         .join(Region, Region.id == HandoffPoint.compound_id)
                         .where(Route.run_id == run.run_id).order_by(RouteStop.id)).all()
        for stop_id, vehicle_id, path, code in rows:
            mine = path.startswith(community.path)
            if mine:
                city.community_compounds.add(code)
            if vehicle_id == vehicle.id:
                city.driver_stops.append(stop_id)
            elif mine:
                city.community_stops.append(stop_id)
            else:
                city.other_stops.append(stop_id)
    with unit_of_work(factory) as s:
        _shifts(s, city, community)
    return city


def _shifts(s: Session, city: City, community: Region) -> None:
    """A shift of the volunteer account's volunteer in the community's area, and one of a
    volunteer of another community at a hand-off point outside it (in the morning; the
    tests assign theirs in the afternoon)."""
    users = {u.role: u for u in s.scalars(select(User))}
    me = s.get(Volunteer, users[Role.VOLUNTEER].volunteer_id)
    assert me is not None
    city.volunteer = me.code
    point = s.scalars(select(HandoffPoint).join(Region, Region.id == HandoffPoint.compound_id)
                      .where(Region.path.startswith(community.path))
                      .order_by(HandoffPoint.code)).first()
    row = s.execute(select(Volunteer, HandoffPoint)
                    .join(Team, Team.id == Volunteer.team_id)
                    .join(Region, Region.parent_id == Team.region_id)
                    .join(HandoffPoint, HandoffPoint.compound_id == Region.id)
                    .where(Team.region_id != community.id)
                    .order_by(Volunteer.code, HandoffPoint.code)).first()
    assert point is not None and row is not None
    city.own_handoff, (other, other_point) = point.code, row
    city.other_volunteer, city.other_handoff = other.code, other_point.code
    scope, actor = whole_city("test"), Actor("test", Source.SYSTEM)
    for code, handoff in ((me.code, point.code), (other.code, other_point.code)):
        shift = assign_shift(s, scope=scope, actor=actor, data=ShiftIn(
            volunteer=code, day=DAY, start=time(8), end=time(9), task=ShiftTask.HANDOFF,
            handoff=handoff))
        if code == me.code:
            city.own_shift = shift.id
        else:
            city.other_shift = shift.id


def client_for(city: City, **kwargs: object) -> TestClient:
    """A test client of a fresh app on the city's database."""
    kwargs.setdefault("login_limit", 1000)
    return TestClient(create_app(city.engine, **kwargs))  # type: ignore[arg-type]


def token(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """Authorization header of a fresh bearer token."""
    r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wipe(city: City) -> None:
    """Empty the database again for the tests that follow."""
    _wipe(city.engine)
