"""What each site's own vehicles can deliver in a day: the allocation plans within it.

Routing gives every site its own vehicles (seed 004: enterprise to hand-off point by truck),
so stock a site's fleet cannot carry is stock the plan must not count on:

* when the plan serves sealed or controlled compounds, only vehicles with a pass permit can
  enter, so a site without one ships nothing;
* cold-chain products need a refrigerated vehicle (with a permit, likewise);
* a site's fleet carries at most its vehicles' capacity times ``MAX_TRIPS`` per day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.delivery.models import Vehicle

#: Trips a vehicle may make in a day (routing allows the same).
MAX_TRIPS = 4


@dataclass(frozen=True)
class Reach:
    """What one site's usable vehicles carry in a day."""

    vehicles: int
    kg_per_day: float
    cold: bool


def site_reach(session: Session, *, permit_needed: bool) -> dict[int, Reach]:
    """Per site id with at least one usable vehicle (available, based there, with a pass
    permit when ``permit_needed``): count, kg per day, whether one is refrigerated."""
    stmt = select(Vehicle).where(Vehicle.available.is_(True), Vehicle.home_site_id.is_not(None))
    if permit_needed:
        stmt = stmt.where(Vehicle.pass_permit.is_not(None))
    by_site: dict[int, list[Vehicle]] = defaultdict(list)
    for v in session.scalars(stmt):
        assert v.home_site_id is not None
        by_site[v.home_site_id].append(v)
    return {site: Reach(len(vs), float(sum(v.capacity_kg for v in vs)) * MAX_TRIPS,
                        any(v.cold_chain for v in vs))
            for site, vs in by_site.items()}
