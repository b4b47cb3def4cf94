"""Who receives a live event: the Audience of the records it concerns, looked up the way the
REST reads scope the same records (see auth.scope.Audience)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.auth.models import Role
from baogong.auth.scope import Audience
from baogong.delivery.models import Route, RouteStop, Vehicle
from baogong.demand.models import Order
from baogong.ledger.models import Enterprise, Site
from baogong.regions.models import HandoffPoint, Region
from baogong.workforce.models import Shift, Team, Volunteer


def of_site(session: Session, *, code: str) -> Audience:
    """A site's stock: its enterprise and the drivers of vehicles based there."""
    site = session.scalar(select(Site).where(Site.code == code))
    if site is None:
        return Audience()
    vehicles = session.scalars(select(Vehicle.id).where(Vehicle.home_site_id == site.id))
    return Audience(enterprise_id=site.enterprise_id, vehicle_ids=frozenset(vehicles))


def of_enterprise(session: Session, *, credit_code: str) -> Audience:
    """An enterprise's own record (its qualification)."""
    return Audience(enterprise_id=session.scalar(
        select(Enterprise.id).where(Enterprise.credit_code == credit_code)))


def of_region(session: Session, *, code: str, zone: bool = False) -> Audience:
    """An order's compound (community workers of its area); a zone's region (also the
    volunteers of teams in the area, who read compounds' statuses)."""
    path = session.scalar(select(Region.path).where(Region.code == code))
    roles = frozenset({Role.COMMUNITY, Role.VOLUNTEER} if zone else {Role.COMMUNITY})
    return Audience(region_path=path, region_roles=roles)


def of_order(session: Session, *, order_id: int) -> Audience:
    """An order: the community workers of its compound's area."""
    path = session.scalar(select(Region.path).join(Order, Order.compound_id == Region.id)
                          .where(Order.id == order_id))
    return Audience(region_path=path)


def of_stop(session: Session, *, stop_id: int) -> Audience:
    """A delivery stop: its driver, the enterprise of the route's site, the community of the
    hand-off point's compound."""
    row = session.execute(
        select(Route.vehicle_id, Site.enterprise_id, Region.path)
        .select_from(RouteStop).join(Route, Route.id == RouteStop.route_id)
        .join(Site, Site.id == Route.site_id)
        .join(HandoffPoint, HandoffPoint.id == RouteStop.handoff_id)
        .join(Region, Region.id == HandoffPoint.compound_id)
        .where(RouteStop.id == stop_id)).first()
    if row is None:
        return Audience()
    vehicle, enterprise, path = row
    return Audience(enterprise_id=enterprise, region_path=path,
                    vehicle_ids=frozenset({vehicle} if vehicle is not None else ()))


def of_volunteer(session: Session, *, code: str) -> Audience:
    """A volunteer's duty: the volunteer, their teammates, the community of the team's area."""
    row = session.execute(select(Volunteer.id, Volunteer.team_id, Region.path)
                          .outerjoin(Team, Team.id == Volunteer.team_id)
                          .outerjoin(Region, Region.id == Team.region_id)
                          .where(Volunteer.code == code)).first()
    if row is None:
        return Audience()
    return Audience(volunteer_id=row[0], team_id=row[1], region_path=row[2])


def of_shift(session: Session, *, shift_id: int) -> Audience:
    """A shift: its volunteer and the community of its compound's area."""
    row = session.execute(select(Shift.volunteer_id, Region.path)
                          .join(Region, Region.id == Shift.compound_id)
                          .where(Shift.id == shift_id)).first()
    if row is None:
        return Audience()
    return Audience(volunteer_id=row[0], region_path=row[1])
