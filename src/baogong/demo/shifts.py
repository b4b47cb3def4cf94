"""The demo day's volunteer shifts: a few per team serving sealed compounds, and the demo
volunteer's own (today and tomorrow), so that the volunteer's page has something to show.

Deterministic (ordered by codes) and cheap: at most PER_TEAM volunteers a team, one or two
shifts each, assigned through the service so that every rule holds.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.auth.demo import demo_volunteer
from baogong.regions.models import HandoffPoint, Region, RegionLevel, ZoneStatus
from baogong.regions.service import compound_statuses
from baogong.types import day_start
from baogong.workforce import service
from baogong.workforce.models import Availability, ShiftTask, Team, Volunteer

PER_TEAM = 3
BY = "demo"


def _points_by_community(session: Session, day: date) -> dict[int, list[HandoffPoint]]:
    """Hand-off points of sealed compounds, by community, in code order."""
    team_regions = select(Team.region_id).where(Team.region_id.is_not(None))
    comps = list(session.scalars(select(Region).where(Region.level == RegionLevel.COMPOUND,
                                                      Region.parent_id.in_(team_regions))
                                 .order_by(Region.code)))
    statuses = compound_statuses(session, at=day_start(day), items=comps)
    sealed = {c.id: c for c in comps if statuses[c.id] is ZoneStatus.SEALED}
    out: dict[int, list[HandoffPoint]] = defaultdict(list)
    if sealed:
        for h in session.scalars(select(HandoffPoint).where(
                HandoffPoint.compound_id.in_(list(sealed))).order_by(HandoffPoint.code)):
            out[sealed[h.compound_id].parent_id or 0].append(h)
    return out


def _assign(session: Session, v: Volunteer, h: HandoffPoint, day: date, start: int,
            hours: int, task: ShiftTask, note: str = "") -> int:
    hours = min(hours, int(v.hours_per_day))
    if hours <= 0:
        return 0
    service.add_shift(session, data=service.ShiftIn(
        volunteer=v.code, day=day, start=time(start), end=time(start + hours), task=task,
        handoff=h.code, note=note), volunteer=v, compound=h.compound, handoff=h, created_by=BY)
    return 1


def roster_demo_shifts(session: Session, *, day: date) -> int:
    """Shifts on the demo day for the first volunteers of each team serving sealed compounds,
    and the demo volunteer's shifts today and tomorrow; returns how many were made."""
    points = _points_by_community(session, day)
    made = 0
    me = demo_volunteer(session)
    if me is not None and me.availability is Availability.UNAVAILABLE:
        me = None
    for team in session.scalars(select(Team).order_by(Team.code)):
        spots = points.get(team.region_id or 0, [])
        if not spots:
            continue
        people = list(session.scalars(
            select(Volunteer).where(Volunteer.team_id == team.id,
                                    Volunteer.availability != Availability.UNAVAILABLE)
            .order_by(Volunteer.code).limit(PER_TEAM)))
        if me is not None and me.team_id == team.id and me not in people:
            people.insert(0, me)
        for k, v in enumerate(people):
            h = spots[k % len(spots)]
            made += _assign(session, v, h, day, 8, 4,
                            ShiftTask.HANDOFF if k == 0 else ShiftTask.DOOR_TO_DOOR)
            if v.hours_per_day >= Decimal(7):
                made += _assign(session, v, h, day, 14, 3, ShiftTask.CARRY)
            if v is me:
                made += _assign(session, v, h, day + timedelta(days=1), 9, 3,
                                ShiftTask.DOOR_TO_DOOR, note="带上名单和消毒液")
    return made
