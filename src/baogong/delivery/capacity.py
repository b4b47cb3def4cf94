"""Delivery capacity estimation (运力测算): what a day needs against what is there.

Per district: trips, vehicles and driver-hours to move the sealed and controlled compounds'
standard packs to their hand-off points, and volunteer-hours to carry them the last 100 m;
against the vehicles with a pass permit and the volunteers available. A what-if (a surge
factor, or subdistricts sealed in addition) is computed in memory and changes nothing stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.config import Settings
from baogong.delivery.models import Vehicle
from baogong.demand.service import packs_for_compound, standard_packs
from baogong.ledger.models import Enterprise, Qualification, Site
from baogong.optim.allocation import haversine_km
from baogong.regions.models import Region, RegionLevel, ZoneStatus
from baogong.regions.service import active_zones, get_region, resolve_status
from baogong.workforce.service import volunteer_hours

DEFAULT_VEHICLE_KG = 1500.0


@dataclass(frozen=True)
class AreaLoad:
    """What one district has to move and what it has to move it with."""

    code: str
    name: str
    sealed_households: int
    controlled_households: int
    demand_kg: float
    avg_trip_km: float
    vehicles: int
    vehicle_kg: float
    volunteer_hours: float


@dataclass(frozen=True)
class CapacityRow:
    """Needed against available, and what to call in, for one district."""

    code: str
    name: str
    demand_kg: float
    trips: int
    vehicles_needed: int
    vehicles_available: int
    driver_hours_needed: float
    driver_hours_available: float
    volunteer_hours_needed: float
    volunteer_hours_available: float
    vans_to_call: int
    volunteers_to_call: int

    def as_json(self) -> dict[str, Any]:
        """Plain values, hours rounded to one decimal."""
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in asdict(self).items()}


def estimate(area: AreaLoad, rules: Settings, surge: float = 1.0) -> CapacityRow:
    """Turn an area's load into trips, hours and shortfalls under a surge factor."""
    per_vehicle = area.vehicle_kg / area.vehicles if area.vehicles else DEFAULT_VEHICLE_KG
    per_trip = per_vehicle * rules.load_factor
    demand = area.demand_kg * surge
    trips = math.ceil(demand / per_trip) if demand > 0 else 0
    trip_minutes = 2 * area.avg_trip_km / rules.speed_kmh * 60 + rules.stop_minutes
    driver_hours = trips * trip_minutes / 60
    shift_hours = rules.shift_minutes / 60
    vehicles_needed = math.ceil(driver_hours / shift_hours) if driver_hours else 0
    door_minutes = (area.sealed_households * rules.door_minutes_sealed
                    + area.controlled_households * rules.door_minutes_controlled)
    volunteer_needed = surge * door_minutes / 60
    short_hours = max(0.0, volunteer_needed - area.volunteer_hours)
    return CapacityRow(
        code=area.code, name=area.name, demand_kg=demand, trips=trips,
        vehicles_needed=vehicles_needed, vehicles_available=area.vehicles,
        driver_hours_needed=driver_hours, driver_hours_available=area.vehicles * shift_hours,
        volunteer_hours_needed=volunteer_needed, volunteer_hours_available=area.volunteer_hours,
        vans_to_call=max(0, vehicles_needed - area.vehicles),
        volunteers_to_call=math.ceil(short_hours / rules.volunteer_shift_hours),
    )


def area_loads(session: Session, *, at: datetime, rules: Settings,
               also_sealed: Iterable[str] = ()) -> list[AreaLoad]:
    """Each district's load at a moment; `also_sealed` region codes count as sealed (what-if)."""
    extra_ids = {get_region(session, code=code).id for code in also_sealed}
    zones = active_zones(session, at=at)
    packs = standard_packs(session)
    sites = [(s.lat, s.lon) for s in session.scalars(
        select(Site).join(Enterprise).where(Site.is_open.is_(True),
                                            Enterprise.qualification == Qualification.VERIFIED))]
    out = []
    for district in session.scalars(select(Region).where(Region.level == RegionLevel.DISTRICT)
                                    .order_by(Region.code)):
        sealed = controlled = 0
        kg = 0.0
        km: list[float] = []
        for c in session.scalars(select(Region).where(
                Region.level == RegionLevel.COMPOUND, Region.path.startswith(district.path))):
            ids = {int(x) for x in c.path.strip("/").split("/")}
            status = ZoneStatus.SEALED if ids & extra_ids else resolve_status(c.path, zones)
            if status not in (ZoneStatus.SEALED, ZoneStatus.CONTROLLED):
                continue
            if status is ZoneStatus.SEALED:
                sealed += c.households
            else:
                controlled += c.households
            kg += sum(float(p.weight_kg) * packs_for_compound(c, p)[0] for p in packs)
            if sites and c.lat is not None and c.lon is not None:
                km.append(min(haversine_km(c.lat, c.lon, a, b) for a, b in sites)
                          * rules.road_factor)
        vehicles = list(session.scalars(
            select(Vehicle).join(Site, Site.id == Vehicle.home_site_id)
            .join(Region, Region.id == Site.region_id)
            .where(Region.path.startswith(district.path), Vehicle.available.is_(True),
                   Vehicle.pass_permit.is_not(None))))
        out.append(AreaLoad(
            code=district.code, name=district.name, sealed_households=sealed,
            controlled_households=controlled, demand_kg=kg,
            avg_trip_km=sum(km) / len(km) if km else 0.0, vehicles=len(vehicles),
            vehicle_kg=float(sum(v.capacity_kg for v in vehicles)),
            volunteer_hours=float(volunteer_hours(session, region_path=district.path)),
        ))
    return out
