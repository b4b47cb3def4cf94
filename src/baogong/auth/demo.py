"""Demo accounts, one per role, tied to records of the sample city that have work to show."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.auth import service
from baogong.auth.models import Role, User
from baogong.delivery.models import Route, RouteStop, RoutingRun, Vehicle
from baogong.ledger.models import Enterprise, Site
from baogong.planning.models import Plan, PlanFlow
from baogong.regions.models import HandoffPoint, Region
from baogong.workforce.models import Team, Volunteer

DEMO_PASSWORD = "baogong-demo"


@dataclass(frozen=True)
class DemoLogin:
    """A demo account and what it is tied to."""

    username: str
    password: str
    role: Role
    bound_to: str


def _latest_run(session: Session) -> RoutingRun | None:
    return session.scalar(select(RoutingRun).join(Plan, Plan.id == RoutingRun.plan_id)
                          .order_by(Plan.id.desc(), RoutingRun.id.desc()).limit(1))


def _busiest_vehicle(session: Session, run: RoutingRun | None) -> Vehicle | None:
    if run is None:
        return None
    busiest = session.execute(
        select(Route.vehicle_id, func.count()).select_from(RouteStop)
        .join(Route, Route.id == RouteStop.route_id)
        .where(Route.run_id == run.id, Route.vehicle_id.is_not(None))
        .group_by(Route.vehicle_id).order_by(func.count().desc(), Route.vehicle_id)
        .limit(1)).first()
    return session.get(Vehicle, busiest[0]) if busiest is not None else None


def _demo_community(session: Session, run: RoutingRun | None,
                    vehicle: Vehicle | None) -> Region | None:
    community = None
    if run is not None:
        # a community served by another vehicle too, so its worker has stops of their own
        row = session.execute(
            select(Region.parent_id).select_from(RouteStop)
            .join(Route, Route.id == RouteStop.route_id)
            .join(HandoffPoint, HandoffPoint.id == RouteStop.handoff_id)
            .join(Region, Region.id == HandoffPoint.compound_id)
            .where(Route.run_id == run.id,
                   Route.vehicle_id != (vehicle.id if vehicle else -1))
            .order_by(Route.id, RouteStop.seq).limit(1)).first()
        if row is not None:
            community = session.get(Region, row[0])
    if community is None:
        community = session.scalar(select(Region).join(Team, Team.region_id == Region.id)
                                   .order_by(Region.code).limit(1))
    return community


def _community_volunteer(session: Session, community: Region) -> Volunteer | None:
    return session.scalar(select(Volunteer).join(Team, Team.id == Volunteer.team_id)
                          .where(Team.region_id == community.id)
                          .order_by(Volunteer.code).limit(1))


def demo_volunteer(session: Session) -> Volunteer | None:
    """The volunteer the demo `volunteer` account is (or will be) tied to."""
    run = _latest_run(session)
    community = _demo_community(session, run, _busiest_vehicle(session, run))
    return _community_volunteer(session, community) if community is not None else None


def create_demo_users(session: Session, *, password: str = DEMO_PASSWORD,
                      actor: Actor = Actor("demo", Source.DEMO, "demo users")) -> list[DemoLogin]:
    """One account per role (skipping names that exist), tied to the busiest records of the
    newest plan: its largest enterprise, the vehicle with the most stops, a community that
    other vehicles deliver to as well, and a volunteer of that community. Each account made
    is audited as made by `actor`. Never commits."""
    out: list[DemoLogin] = []
    run = _latest_run(session)

    def add(username: str, role: Role, bound: str, **kw: str | None) -> None:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            service.create_user(session, username=username, role=role, password=password,
                                display_name=username, **kw)
            record(session, actor=actor, action="create", entity="user", key=username,
                   after={"role": role, **{k: v for k, v in kw.items() if v}})
        out.append(DemoLogin(username, password, role, bound))

    add("command", Role.COMMAND, "-")
    add("inspector", Role.INSPECTOR, "-")
    ent = session.scalar(select(Enterprise).join(Site, Site.enterprise_id == Enterprise.id)
                         .join(PlanFlow, PlanFlow.site_id == Site.id)
                         .group_by(Enterprise.id).order_by(func.count().desc()).limit(1)) \
        or session.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
    if ent is not None:
        add("enterprise", Role.ENTERPRISE, ent.name, org=ent.credit_code)
    vehicle = _busiest_vehicle(session, run)
    community = _demo_community(session, run, vehicle)
    if community is not None:
        add("community", Role.COMMUNITY, community.name, community=community.code)
        vol = _community_volunteer(session, community)
        if vol is not None:
            add("volunteer", Role.VOLUNTEER, vol.name, volunteer=vol.code)
    if vehicle is None:
        vehicle = session.scalar(select(Vehicle).order_by(Vehicle.id).limit(1))
    if vehicle is not None:
        add("driver", Role.DRIVER, vehicle.plate, vehicle=vehicle.plate)
    return out
