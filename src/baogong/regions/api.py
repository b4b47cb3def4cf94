"""API: regions, compounds with their zone status, zone declarations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from baogong.auth import audience
from baogong.auth.deps import Principal, SignedIn, require
from baogong.auth.models import Role
from baogong.db import unit_of_work
from baogong.regions import queries
from baogong.regions import service as regions
from baogong.regions.models import RegionLevel, ZoneStatus
from baogong.types import day_start, utcnow
from baogong.web.deps import DbSession, Factory
from baogong.web.pagination import Page, Paging
from baogong.web.schemas import Day as ApiDay
from baogong.web.schemas import Moment, UtcDatetime

router = APIRouter(tags=["regions"])
Code = Annotated[str | None, Query(max_length=40, description="Region code (filter: under it)")]
Day = Annotated[ApiDay | None, Query(description="Day (China time); default now")]


class RegionOut(BaseModel):
    """A region above compounds."""

    code: str
    name: str
    level: RegionLevel
    lat: float | None
    lon: float | None


@router.get("/regions", response_model=Page[RegionOut])
def list_regions(db: DbSession, paging: Paging, _p: SignedIn,
                 level: RegionLevel | None = None, region: Code = None) -> Page[RegionOut]:
    """Districts, subdistricts, towns and communities (optionally under a region)."""
    if level is RegionLevel.COMPOUND:
        return Page[RegionOut](items=[], total=0, limit=paging.limit, offset=paging.offset)
    rows, total = queries.regions_page(db, level=level, under=region, limit=paging.limit,
                                       offset=paging.offset)
    return Page[RegionOut](items=[RegionOut(code=r.code, name=r.name, level=r.level, lat=r.lat,
                                            lon=r.lon) for r in rows],
                           total=total, limit=paging.limit, offset=paging.offset)


class CompoundOut(BaseModel):
    """A residential compound with its households and zone status."""

    code: str
    name: str
    lat: float | None
    lon: float | None
    households: int
    population: int
    vulnerable_households: int
    status: ZoneStatus


def _moment(day: date | None) -> datetime:
    return day_start(day) if day else utcnow()


@router.get("/compounds", response_model=Page[CompoundOut])
def list_compounds(db: DbSession, paging: Paging,
                   principal: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR,
                                                     Role.COMMUNITY, Role.VOLUNTEER)],
                   region: Code = None, status: ZoneStatus | None = None,
                   day: Day = None) -> Page[CompoundOut]:
    """Compounds in scope with their zone status on a day; filter by region and status."""
    rows, total = queries.compounds_page(db, scope=principal.scope, at=_moment(day),
                                         under=region, status=status, limit=paging.limit,
                                         offset=paging.offset)
    items = [CompoundOut(code=r.region.code, name=r.region.name, lat=r.region.lat,
                         lon=r.region.lon, households=r.region.households,
                         population=r.region.population,
                         vulnerable_households=r.region.vulnerable_households, status=r.status)
             for r in rows]
    return Page[CompoundOut](items=items, total=total, limit=paging.limit, offset=paging.offset)


class ZoneIn(BaseModel):
    """A zone declaration for a region and every compound below it."""

    region: str = Field(min_length=1, max_length=40)
    status: ZoneStatus
    valid_from: Moment
    valid_to: Moment | None = None
    reason: str = Field(default="", max_length=400)


class ZoneOut(BaseModel):
    """A stored zone declaration."""

    id: int
    region: str
    status: ZoneStatus
    valid_from: UtcDatetime
    valid_to: UtcDatetime | None


@router.post("/zones", response_model=ZoneOut, status_code=201)
def declare_zone(body: ZoneIn, request: Request, factory: Factory,
                 principal: Annotated[Principal, require(Role.COMMAND)]) -> ZoneOut:
    """Declare a zone (sealed, controlled, precaution, normal); command centre only; audited."""
    actor = principal.actor(request)
    with unit_of_work(factory) as session:
        decl = regions.declare_zone(session, region_code=body.region, status=body.status,
                                    valid_from=body.valid_from, valid_to=body.valid_to,
                                    reason=body.reason, declared_by=actor.name,
                                    source=actor.source, ref=actor.ref)
        out = ZoneOut(id=decl.id, region=body.region, status=decl.status,
                      valid_from=decl.valid_from, valid_to=decl.valid_to)
        to = audience.of_region(session, code=body.region, zone=True)
    request.app.state.bus.publish("zone", to, region=body.region, status=body.status.value)
    return out
