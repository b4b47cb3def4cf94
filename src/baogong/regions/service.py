"""Regions, hand-off points and zones: all SQL of the domain. Functions never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_
from baogong.regions.models import (
    PARENT_LEVELS,
    VULNERABLE_FIELDS,
    HandoffPoint,
    Region,
    RegionLevel,
    ZoneDeclaration,
    ZoneStatus,
)
from baogong.types import EARLIEST_DAY, LATEST_DAY, Crs, in_day_window, to_utc


def get_region(session: Session, *, code: str) -> Region:
    """The region with this code; NotFound naming the code otherwise."""
    region = session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise NotFound(N_("Unknown region code {code}"), record=f"region {code}", field="code",
                       code=code)
    return region


def _check_coordinates(lat: float | None, lon: float | None, record: str) -> None:
    if lat is not None and not -90 <= lat <= 90:
        raise DomainError(N_("Latitude {value} is outside -90..90"), record=record, field="lat",
                          value=lat)
    if lon is not None and not -180 <= lon <= 180:
        raise DomainError(N_("Longitude {value} is outside -180..180"), record=record,
                          field="lon", value=lon)


def create_region(
    session: Session,
    *,
    code: str,
    name: str,
    level: RegionLevel,
    parent_code: str | None = None,
    admin_code: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    crs: Crs = Crs.WGS84,
    households: int = 0,
    population: int = 0,
    household_sizes: dict[str, int] | None = None,
    vulnerable: Mapping[str, int] | None = None,
    buildings: int = 0,
) -> Region:
    """Add a region under its parent, checking levels, counts and coordinates.

    ``vulnerable`` counts households by category (elderly_alone, seriously_ill, disabled,
    hardship, infants_pregnant).
    """
    record = f"region {code}"
    if session.scalar(select(Region.id).where(Region.code == code)) is not None:
        raise Conflict(N_("Region code {code} already exists"), record=record, field="code",
                       code=code)
    parent = get_region(session, code=parent_code) if parent_code else None
    allowed = PARENT_LEVELS[level]
    if (parent is None and allowed) or (parent is not None and parent.level not in allowed):
        raise DomainError(
            N_("A {level} cannot be placed under {parent}"), record=record, field="parent_code",
            level=level.value, parent=parent.level.value if parent else "-",
        )
    _check_coordinates(lat, lon, record)
    counts = {"households": households, "population": population, "buildings": buildings,
              **(vulnerable or {})}
    for field_name, value in counts.items():
        if field_name not in ("households", "population", "buildings", *VULNERABLE_FIELDS):
            raise DomainError(N_("Unknown field {name}"), record=record, field=field_name,
                              name=field_name)
        if value < 0:
            raise DomainError(N_("{field} must not be negative (got {value})"), record=record,
                              field=field_name, value=value)
    if household_sizes is not None and sum(household_sizes.values()) != households:
        raise DomainError(
            N_("Households by size add up to {total}, not {households}"), record=record,
            field="household_sizes", total=sum(household_sizes.values()), households=households,
        )
    region = Region(
        code=code, name=name, level=level, parent=parent, admin_code=admin_code, lat=lat,
        lon=lon, crs=crs, household_sizes=household_sizes, path="/", **counts,
    )
    session.add(region)
    session.flush()
    region.path = f"{parent.path if parent else '/'}{region.id}/"
    return region


def add_handoff_point(
    session: Session,
    *,
    code: str,
    compound_code: str,
    name: str,
    lat: float,
    lon: float,
    opens: time,
    closes: time,
    crs: Crs = Crs.WGS84,
) -> HandoffPoint:
    """Add a hand-off point (接驳点) to a compound."""
    record = f"handoff point {code}"
    compound = get_region(session, code=compound_code)
    if compound.level != RegionLevel.COMPOUND:
        raise DomainError(N_("Hand-off points belong to compounds, not to a {level}"),
                          record=record, field="compound_code", level=compound.level.value)
    _check_coordinates(lat, lon, record)
    if opens >= closes:
        raise DomainError(N_("Opening time {opens} is not before closing time {closes}"),
                          record=record, field="opens", opens=opens, closes=closes)
    point = HandoffPoint(code=code, compound=compound, name=name, lat=lat, lon=lon, crs=crs,
                         opens=opens, closes=closes)
    session.add(point)
    session.flush()
    return point


def declare_zone(
    session: Session,
    *,
    region_code: str,
    status: ZoneStatus,
    valid_from: datetime,
    valid_to: datetime | None = None,
    reason: str = "",
    declared_by: str = "",
    source: Source = Source.SYSTEM,
    ref: str = "",
) -> ZoneDeclaration:
    """Declare a zone status for a region (and so for every compound under it), audited as
    declared by `declared_by` through `source`."""
    region = get_region(session, code=region_code)
    for name, value in (("valid_from", valid_from), ("valid_to", valid_to)):
        if value is not None and not in_day_window(value):
            raise DomainError(N_("A zone date must lie between {first} and {last}"),
                              record=f"region {region_code}", field=name,
                              first=EARLIEST_DAY.isoformat(), last=LATEST_DAY.isoformat())
    if valid_to is not None and valid_to <= valid_from:
        raise DomainError(N_("The zone ends before it starts"), record=f"region {region_code}",
                          field="valid_to")
    decl = ZoneDeclaration(region=region, status=status, valid_from=to_utc(valid_from),
                           valid_to=to_utc(valid_to) if valid_to else None, reason=reason,
                           declared_by=declared_by)
    session.add(decl)
    session.flush()
    record(session, actor=Actor(declared_by or "system", source, ref), action="create",
           entity="zone", key=f"{region_code}/{decl.id}",
           after={"region": region_code, "status": status, "valid_from": decl.valid_from,
                  "valid_to": decl.valid_to, "reason": reason})
    return decl


@dataclass(frozen=True)
class ActiveZone:
    """A declaration in force: on which region, how deep in the tree, since when."""

    region_id: int
    depth: int
    valid_from: datetime
    status: ZoneStatus


def resolve_status(path: str, zones: dict[int, list[ActiveZone]]) -> ZoneStatus:
    """Status of the region with this path: the most specific declaration wins, then the latest.

    A compound downgraded to controlled inside a sealed subdistrict is controlled; a region with
    no declaration on itself or any ancestor is normal.
    """
    best: ActiveZone | None = None
    for part in path.strip("/").split("/"):
        for zone in zones.get(int(part), ()):
            if best is None or (zone.depth, zone.valid_from) > (best.depth, best.valid_from):
                best = zone
    return best.status if best else ZoneStatus.NORMAL


def active_zones(session: Session, *, at: datetime) -> dict[int, list[ActiveZone]]:
    """Declarations in force at a moment, by region id."""
    at = to_utc(at)
    rows = session.execute(
        select(ZoneDeclaration, Region.path)
        .join(Region, Region.id == ZoneDeclaration.region_id)
        .where(ZoneDeclaration.valid_from <= at)
        .where(or_(ZoneDeclaration.valid_to.is_(None), ZoneDeclaration.valid_to > at))
    ).all()
    out: dict[int, list[ActiveZone]] = {}
    for decl, path in rows:
        depth = path.strip("/").count("/")
        out.setdefault(decl.region_id, []).append(
            ActiveZone(decl.region_id, depth, _aware(decl.valid_from), decl.status)
        )
    return out


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def compounds(session: Session, *, under: str | None = None) -> list[Region]:
    """Every compound, or those under the region with code `under`."""
    stmt = select(Region).where(Region.level == RegionLevel.COMPOUND).order_by(Region.code)
    if under:
        stmt = stmt.where(Region.path.startswith(get_region(session, code=under).path))
    return list(session.scalars(stmt))


def compound_statuses(
    session: Session, *, at: datetime, items: Iterable[Region] | None = None
) -> dict[int, ZoneStatus]:
    """Zone status of each compound at a moment, by compound id."""
    zones = active_zones(session, at=at)
    return {c.id: resolve_status(c.path, zones) for c in (items or compounds(session))}
