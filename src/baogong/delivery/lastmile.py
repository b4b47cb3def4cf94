"""The last 100 m: from each hand-off point to the doors, by community staff and volunteers.

Sealed compounds get their packs carried to the door, controlled ones to the building door
(the Beijing 2022 rules); the minutes per household are a city's settings. Volunteers on duty
are those of the teams serving the compound's community, their hours shared among the
community's compounds in proportion to households.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.config import Settings
from baogong.demand.service import standard_pack_demand, standard_packs
from baogong.planning.service import packs_by_compound, stored_served_units
from baogong.regions.models import HandoffPoint, Region, ZoneStatus
from baogong.types import day_start
from baogong.workforce.models import Availability, Team, Volunteer


@dataclass(frozen=True)
class HandoffLoad:
    """One hand-off point's last 100 m: what arrives, and the hands to carry it."""

    handoff: str
    handoff_name: str
    compound: str
    compound_name: str
    status: ZoneStatus
    households: int
    buildings: int
    packs: int
    volunteer_hours_needed: float
    volunteer_hours_on_duty: float

    @property
    def short_hours(self) -> float:
        """Volunteer-hours missing (0 when enough are on duty)."""
        return max(0.0, self.volunteer_hours_needed - self.volunteer_hours_on_duty)


def minutes_per_household(status: ZoneStatus, rules: Settings) -> float:
    """Carrying minutes per household: to the door when sealed, the building when controlled."""
    if status is ZoneStatus.SEALED:
        return rules.door_minutes_sealed
    if status is ZoneStatus.CONTROLLED:
        return rules.door_minutes_controlled
    return 0.0


def handoff_loads(session: Session, *, plan_id: int, day: date,
                  rules: Settings) -> list[HandoffLoad]:
    """The last 100 m of every hand-off point that receives packs in a plan."""
    demands = {d.code: d for d in standard_pack_demand(
        session, at=day_start(day), statuses=(ZoneStatus.SEALED, ZoneStatus.CONTROLLED))}
    counts = packs_by_compound(demands.values(), standard_packs(session),
                               stored_served_units(session, plan_id=plan_id))
    compounds = {c.code: c for c in session.scalars(
        select(Region).where(Region.code.in_(list(counts))))}
    points: dict[int, list[HandoffPoint]] = defaultdict(list)
    for h in session.scalars(select(HandoffPoint).order_by(HandoffPoint.code)):
        points[h.compound_id].append(h)
    hours = _duty_hours(session, [c for c in compounds.values() if counts[c.code].allocated])
    out = []
    for code, count in sorted(counts.items()):
        c = compounds[code]
        if not count.allocated or not points[c.id]:
            continue
        served = c.households * count.allocated / max(count.demanded, 1)
        need = served * minutes_per_household(demands[code].status, rules) / 60
        share = 1 / len(points[c.id])
        for h in points[c.id]:
            out.append(HandoffLoad(
                h.code, h.name, c.code, c.name, demands[code].status,
                round(c.households * share), max(1, round(c.buildings * share)),
                round(count.allocated * share), need * share, hours.get(c.id, 0.0) * share))
    return out


def _duty_hours(session: Session, served: list[Region]) -> dict[int, float]:
    """Volunteer-hours on duty per compound: the community's teams, shared by households."""
    by_community: dict[int, list[Region]] = defaultdict(list)
    for c in served:
        if c.parent_id is not None:
            by_community[c.parent_id].append(c)
    rows = session.execute(
        select(Team.region_id, Volunteer.hours_per_day)
        .join(Team, Team.id == Volunteer.team_id)
        .where(Team.region_id.in_(list(by_community)),
               Volunteer.availability != Availability.UNAVAILABLE))
    pool: dict[int, Decimal] = defaultdict(Decimal)
    for region_id, h in rows:
        if region_id is not None:
            pool[region_id] += h
    out = {}
    for community_id, members in by_community.items():
        total = sum(c.households for c in members) or 1
        for c in members:
            out[c.id] = float(pool[community_id]) * c.households / total
    return out


@dataclass(frozen=True)
class ManifestLine:
    """One building of a hand-off point's manifest, in walking order."""

    building: int
    households: int
    packs: int


def manifest(load: HandoffLoad) -> list[ManifestLine]:
    """Households and packs per building (楼栋), building 1 first.

    Until orders name rooms (the demand-intake issue), households and packs are spread over
    the compound's buildings as evenly as whole numbers allow.
    """
    n = max(1, load.buildings)
    hh = _spread(load.households, n)
    packs = _spread(load.packs, n)
    return [ManifestLine(i + 1, hh[i], packs[i]) for i in range(n)]


def _spread(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]
