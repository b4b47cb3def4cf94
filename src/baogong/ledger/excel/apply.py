"""Write parsed ledger rows into the database: upsert by natural key, audit every change.

Rows that refer to something unknown (a site's enterprise, a compound's community ...) become
problems of their own row and are not written. Nothing here commits: the caller decides
(all-or-nothing, skip invalid rows, or a dry run that rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baogong.audit.service import Actor, record, snapshot
from baogong.delivery.models import Vehicle
from baogong.i18n import N_
from baogong.ledger.excel.cells import CellError
from baogong.ledger.excel.parse import ParsedSheet, Problem, Row
from baogong.ledger.excel.units import to_kg
from baogong.ledger.models import (
    Enterprise,
    EnterpriseKind,
    Product,
    ProductCategory,
    Qualification,
    Site,
    SiteKind,
)
from baogong.regions.models import PARENT_LEVELS, Region, RegionLevel
from baogong.types import Unit
from baogong.workforce.models import Availability, Team, TeamKind, Volunteer


@dataclass
class Tally:
    """What happened to the rows of one sheet."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        """Counts by outcome."""
        return dict(self.__dict__)


@dataclass
class Context:
    """What the appliers share: session, who is importing, problems found on the way."""

    session: Session
    actor: Actor
    file_name: str
    problems: list[Problem] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=dict)

    def at(self, sheet: str, row: int) -> Actor:
        """The actor pointing at a sheet and row of the file."""
        return self.actor.at_row(f"{self.file_name} {sheet}!{row}")

    def refuse(self, sheet: ParsedSheet, row: Row, key: str, value: Any, message: str,
               **params: Any) -> None:
        """Report a problem with a row and skip it."""
        self.problems.append(Problem(sheet.spec.name, row.number, sheet.spec.column(key).header,
                                     value, message, params))
        self.tallies[sheet.spec.name].skipped += 1


def _save(ctx: Context, sheet: ParsedSheet, row: Row, entity: str, key: str, obj: Any,
          values: dict[str, Any], create: Callable[[], Any]) -> None:
    """Create or update one record and audit it."""
    tally = ctx.tallies[sheet.spec.name]
    fields = tuple(values)
    if obj is None:
        obj = create()
        for k, v in values.items():
            setattr(obj, k, v)
        ctx.session.add(obj)
        ctx.session.flush()
        record(ctx.session, actor=ctx.at(sheet.spec.name, row.number), action="create",
               entity=entity, key=key, after=snapshot(obj, fields))
        tally.created += 1
        return
    before = snapshot(obj, fields)
    for k, v in values.items():
        setattr(obj, k, v)
    after = snapshot(obj, fields)
    if before == after:
        tally.unchanged += 1
        return
    ctx.session.flush()
    record(ctx.session, actor=ctx.at(sheet.spec.name, row.number), action="update",
           entity=entity, key=key, before=before, after=after)
    tally.updated += 1


def _pick(row: Row, *keys: str, **renames: str) -> dict[str, Any]:
    out = {k: row.values[k] for k in keys if k in row.values}
    out.update({dst: row.values[src] for dst, src in renames.items() if src in row.values})
    return out


def enterprises(ctx: Context, sheet: ParsedSheet) -> None:
    """企业: upsert by credit code; new enterprises wait for verification."""
    for row in sheet.rows:
        code = row.values["credit_code"]
        obj = ctx.session.scalar(select(Enterprise).where(Enterprise.credit_code == code))
        values = _pick(row, "name", "key_supply", "contact_name", "address")
        values["kind"] = EnterpriseKind(row.values["kind"])
        if "phone" in row.values:
            values["phone"] = row.values["phone"] or ""
        _save(ctx, sheet, row, "enterprise", code, obj, values,
              partial(Enterprise, credit_code=code, qualification=Qualification.PENDING))


def _region(ctx: Context, code: str) -> Region | None:
    return ctx.session.scalar(select(Region).where(Region.code == code))


def sites(ctx: Context, sheet: ParsedSheet) -> None:
    """站点: upsert by site code, under an enterprise of the file or the database."""
    for row in sheet.rows:
        v = row.values
        ent = ctx.session.scalar(select(Enterprise).where(
            Enterprise.credit_code == v["credit_code"]))
        if ent is None:
            ctx.refuse(sheet, row, "credit_code", v["credit_code"],
                       N_("unknown enterprise: add it to sheet 企业"))
            continue
        try:
            capacity = to_kg(*v["capacity_kg"])
        except CellError as err:
            ctx.refuse(sheet, row, "capacity_kg", v["capacity_kg"][0], err.message, **err.params)
            continue
        if capacity < 0:
            ctx.refuse(sheet, row, "capacity_kg", capacity, N_("must not be negative"))
            continue
        values: dict[str, Any] = _pick(row, "name", "lat", "lon", "address", "is_open")
        values.update(enterprise_id=ent.id, kind=SiteKind(v["kind"]), capacity_kg=capacity)
        if v.get("region_code"):
            region = _region(ctx, v["region_code"])
            if region is None:
                ctx.refuse(sheet, row, "region_code", v["region_code"],
                           N_("unknown region code"))
                continue
            values["region_id"] = region.id
        obj = ctx.session.scalar(select(Site).where(Site.code == v["code"]))
        _save(ctx, sheet, row, "site", v["code"], obj, values,
              partial(Site, code=v["code"]))


def products(ctx: Context, sheet: ParsedSheet) -> None:
    """商品: upsert by product code in one of the monitored categories."""
    cats = {c.code: c.id for c in ctx.session.scalars(select(ProductCategory))}
    for row in sheet.rows:
        v = row.values
        if v["category"] not in cats:
            ctx.refuse(sheet, row, "category", v["category"],
                       N_("category not in this city's catalogue"))
            continue
        if v["kg_per_unit"] <= 0:
            ctx.refuse(sheet, row, "kg_per_unit", v["kg_per_unit"], N_("must be more than 0"))
            continue
        values = _pick(row, "name", "kg_per_unit", "cold_chain", "shelf_life_days",
                       "units_per_case")
        values.update(category_id=cats[v["category"]], unit=Unit(v["unit"]))
        obj = ctx.session.scalar(select(Product).where(Product.code == v["code"]))
        _save(ctx, sheet, row, "product", v["code"], obj, values,
              partial(Product, code=v["code"]))


def _place(ctx: Context, sheet: ParsedSheet, row: Row, level: RegionLevel,
           values: dict[str, Any]) -> None:
    v = row.values
    parent = _region(ctx, v["parent"])
    if parent is None or parent.level not in PARENT_LEVELS[level]:
        ctx.refuse(sheet, row, "parent", v["parent"],
                   N_("unknown region code") if parent is None else
                   N_("a {level} cannot be placed under a {parent}"),
                   level=level.value, parent=parent.level.value if parent else "")
        return
    obj = _region(ctx, v["code"])
    if obj is not None and obj.level is not level:
        ctx.refuse(sheet, row, "code", v["code"], N_("this code belongs to a {level}"),
                   level=obj.level.value)
        return
    values.update(parent_id=parent.id)
    before_path = obj.path if obj else None

    def create() -> Region:
        return Region(code=v["code"], level=level, path="/",
                      admin_code=v["code"] if level is RegionLevel.COMMUNITY else None)

    _save(ctx, sheet, row, "region", v["code"], obj, values, create)
    made = _region(ctx, v["code"])
    if made is not None and (before_path is None or made.parent_id != parent.id):
        made.path = f"{parent.path}{made.id}/"


def communities(ctx: Context, sheet: ParsedSheet) -> None:
    """社区: upsert by code under a subdistrict or town."""
    for row in sheet.rows:
        _place(ctx, sheet, row, RegionLevel.COMMUNITY, _pick(row, "name", "lat", "lon"))


def compounds(ctx: Context, sheet: ParsedSheet) -> None:
    """小区: upsert by code under a community, with households and vulnerable counts."""
    for row in sheet.rows:
        values = _pick(row, "name", "lat", "lon", "households", "population")
        for k in ("elderly_alone", "seriously_ill", "disabled", "hardship", "infants_pregnant",
                  "buildings"):
            if k in row.values:
                values[k] = row.values[k] or 0
        obj = _region(ctx, row.values["code"])
        if obj is not None and obj.household_sizes and obj.households != values["households"]:
            values["household_sizes"] = None  # sizes no longer add up: fall back to the mean
        _place(ctx, sheet, row, RegionLevel.COMPOUND, values)


def vehicles(ctx: Context, sheet: ParsedSheet) -> None:
    """车辆: upsert by plate; capacity converted to kg; based at a known site."""
    for row in sheet.rows:
        v = row.values
        try:
            capacity = to_kg(*v["capacity_kg"])
        except CellError as err:
            ctx.refuse(sheet, row, "capacity_kg", v["capacity_kg"][0], err.message, **err.params)
            continue
        if capacity <= 0:
            ctx.refuse(sheet, row, "capacity_kg", capacity, N_("must be more than 0"))
            continue
        values = _pick(row, "kind", "cold_chain", "permit_valid_to", "driver_name")
        values["capacity_kg"] = capacity
        if "pass_permit" in v:
            values["pass_permit"] = v["pass_permit"] or None
        if "driver_phone" in v:
            values["driver_phone"] = v["driver_phone"] or ""
        if v.get("home_site"):
            site = ctx.session.scalar(select(Site).where(Site.code == v["home_site"]))
            if site is None:
                ctx.refuse(sheet, row, "home_site", v["home_site"], N_("unknown site code"))
                continue
            values["home_site_id"] = site.id
        if not values.get("kind"):
            values.pop("kind", None)
        obj = ctx.session.scalar(select(Vehicle).where(Vehicle.plate == v["plate"]))
        _save(ctx, sheet, row, "vehicle", v["plate"], obj, values,
              partial(Vehicle, plate=v["plate"], kind="van"))


def volunteers(ctx: Context, sheet: ParsedSheet) -> None:
    """志愿者: upsert by code; a new team code creates the team."""
    for row in sheet.rows:
        v = row.values
        values = _pick(row, "name", "phone")
        if v.get("availability"):
            values["availability"] = Availability(v["availability"])
        if v.get("hours_per_day") is not None:
            if v["hours_per_day"] > 24:
                ctx.refuse(sheet, row, "hours_per_day", v["hours_per_day"],
                           N_("more than 24 hours a day"))
                continue
            values["hours_per_day"] = v["hours_per_day"]
        if v.get("team_code"):
            team = ctx.session.scalar(select(Team).where(Team.code == v["team_code"]))
            if team is None:
                region = _region(ctx, v["region"]) if v.get("region") else None
                if v.get("region") and region is None:
                    ctx.refuse(sheet, row, "region", v["region"], N_("unknown region code"))
                    continue
                team = Team(code=v["team_code"], name=v.get("team_name") or v["team_code"],
                            kind=TeamKind.VOLUNTEER, region_id=region.id if region else None)
                ctx.session.add(team)
                ctx.session.flush()
                record(ctx.session, actor=ctx.at(sheet.spec.name, row.number), action="create",
                       entity="team", key=team.code, after={"name": team.name})
            values["team_id"] = team.id
        obj = ctx.session.scalar(select(Volunteer).where(Volunteer.code == v["code"]))
        _save(ctx, sheet, row, "volunteer", v["code"], obj, values,
              partial(Volunteer, code=v["code"]))


APPLIERS: tuple[tuple[str, Callable[[Context, ParsedSheet], None]], ...] = (
    ("企业", enterprises), ("站点", sites), ("商品", products), ("社区", communities),
    ("小区", compounds), ("车辆", vehicles), ("志愿者", volunteers),
)


def quantize(value: Decimal) -> Decimal:
    """Three decimal places, as stored."""
    return value.quantize(Decimal("0.001"))
