"""Build the allocation problem from the database and store the plan. Functions never commit."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from baogong.delivery.fleet import Reach, site_reach
from baogong.demand.queries import order_units
from baogong.demand.service import CompoundDemand, standard_pack_demand, standard_packs
from baogong.ledger.models import (
    Enterprise,
    PackTemplate,
    Product,
    Site,
    StockBalance,
)
from baogong.ledger.qualification import may_supply
from baogong.optim import allocation as opt
from baogong.planning.models import Plan, PlanFlow, PlanUnmet
from baogong.regions.models import Region, ZoneStatus
from baogong.regions.service import compound_statuses


@dataclass(frozen=True)
class Snapshot:
    """The allocation problem of a day and what is needed to map its ids back to records."""

    day: date
    problem: opt.Problem
    demands: list[CompoundDemand]
    packs: list[PackTemplate]
    site_ids: dict[str, int]
    compound_ids: dict[str, int]
    product_ids: dict[str, int]
    #: Sites whose own vehicles limit what they can ship (see :mod:`baogong.delivery.fleet`):
    #: site code -> ``no_vehicle`` (left out), ``no_cold_vehicle`` (cold-chain stock left
    #: out) or ``fleet_capacity`` (capacity cut to what the vehicles carry in a day).
    fleet_limits: dict[str, str] = field(default_factory=dict)


def compound_units(demand: CompoundDemand, packs: Iterable[PackTemplate]) -> dict[str, opt.Demand]:
    """Units of each product a compound's packs contain, split into priority and regular."""
    total: dict[str, Decimal] = {}
    prio: dict[str, Decimal] = {}
    for pack in packs:
        n, n_pri = demand.packs.get(pack.code, 0), demand.priority_packs.get(pack.code, 0)
        for item in pack.items:
            code = item.product.code
            total[code] = total.get(code, Decimal(0)) + item.quantity * n
            prio[code] = prio.get(code, Decimal(0)) + item.quantity * n_pri
    out = {}
    for code, units in total.items():
        whole = math.ceil(units)
        pri = min(whole, math.ceil(prio[code]))
        if whole:
            out[code] = opt.Demand(priority=pri, regular=whole - pri)
    return out


def snapshot(session: Session, *, day: date, at: datetime,
             options: opt.Options | None = None) -> Snapshot:
    """Sealed compounds' standard-pack demand plus the day's accepted orders, current stock and
    sites, as an allocation problem.

    Closed sites, and sites of suppliers neither verified nor overridden by the command centre,
    are inactive: they take no part. The plan also stays within what each site's own vehicles
    can deliver (:mod:`baogong.delivery.fleet`): a site with no vehicle that may enter the
    plan's sealed or controlled compounds takes no part, cold-chain stock counts only where a
    refrigerated vehicle is based, and a site ships at most what its vehicles carry in a day.
    """
    demands = standard_pack_demand(session, at=at)
    packs = standard_packs(session)
    products = list(session.scalars(select(Product).order_by(Product.code)))
    compounds = {c.id: c for c in session.scalars(
        select(Region).where(Region.id.in_([d.compound_id for d in demands])))}
    ordered = order_units(session, day=day)
    extra = set(ordered) - set(compounds)
    if extra:
        compounds.update({c.id: c for c in session.scalars(
            select(Region).where(Region.id.in_(extra)))})
    units_by_compound: dict[int, dict[str, opt.Demand]] = {
        d.compound_id: compound_units(d, packs) for d in demands}
    for compound_id, per in ordered.items():
        units = units_by_compound.setdefault(compound_id, {})
        for code, (total, pri) in per.items():
            have = units.get(code, opt.Demand(0, 0))
            add_pri = math.ceil(pri)
            add_all = max(math.ceil(total), add_pri)
            units[code] = opt.Demand(have.priority + add_pri,
                                     have.regular + add_all - add_pri)
    communities = []
    for compound_id in sorted(units_by_compound, key=lambda i: compounds[i].code):
        c, units = compounds[compound_id], units_by_compound[compound_id]
        if units and c.lat is not None and c.lon is not None:
            communities.append(opt.Community(id=c.code, lat=c.lat, lon=c.lon, demand=units))
    rows = session.execute(select(Site, Enterprise)
                           .join(Enterprise, Enterprise.id == Site.enterprise_id)
                           .order_by(Site.code)).all()
    statuses = compound_statuses(session, at=at, items=[compounds[i] for i in units_by_compound])
    reach = site_reach(session, permit_needed=any(
        st in (ZoneStatus.SEALED, ZoneStatus.CONTROLLED) for st in statuses.values()))
    stock: dict[int, dict[str, int]] = {}
    codes = {p.id: p.code for p in products}
    for bal in session.scalars(select(StockBalance).where(StockBalance.quantity > 0)):
        stock.setdefault(bal.site_id, {})[codes[bal.product_id]] = int(bal.quantity)
    sites, limits = _deliverable_sites(rows, stock, reach,
                                       {p.code for p in products if p.cold_chain})
    problem = opt.Problem(
        products=[opt.Product(id=p.code, kg_per_unit=float(p.kg_per_unit)) for p in products],
        sites=sites, communities=communities, options=options or opt.Options())
    return Snapshot(day, problem, demands, packs, {s.code: s.id for s, _e in rows},
                    {c.code: c.id for c in compounds.values()}, {p.code: p.id for p in products},
                    limits)


def _deliverable_sites(rows: Iterable[Any], stock: dict[int, dict[str, int]],
                       reach: dict[int, Reach], cold: set[str]
                       ) -> tuple[list[opt.Site], dict[str, str]]:
    """The allocation's sites, within what their own vehicles deliver, and the sites so
    limited (code -> reason, see :attr:`Snapshot.fleet_limits`)."""
    sites: list[opt.Site] = []
    limits: dict[str, str] = {}
    for s, e in rows:
        r = reach.get(s.id)
        held = stock.get(s.id, {})
        cap = float(s.capacity_kg)
        if s.is_open and may_supply(e):
            if r is None:
                limits[s.code] = "no_vehicle"
            elif not r.cold and cold & set(held):
                limits[s.code] = "no_cold_vehicle"
            elif r.kg_per_day < cap:
                limits[s.code] = "fleet_capacity"
        if r is not None:
            cap = min(cap, r.kg_per_day)
            if not r.cold:
                held = {k: v for k, v in held.items() if k not in cold}
        sites.append(opt.Site(id=s.code, lat=s.lat, lon=s.lon, capacity_kg=cap, stock=held,
                              active=s.is_open and may_supply(e) and r is not None))
    return sites, limits


@dataclass(frozen=True)
class PackCount:
    """Packs a compound asked for and how many of them the plan covers completely."""

    demanded: int
    allocated: int
    priority: int
    priority_allocated: int


def served_units(result: opt.Result) -> dict[tuple[str, str], tuple[int, int]]:
    """Units and priority units served per (compound code, product code)."""
    served: dict[tuple[str, str], tuple[int, int]] = {}
    for f in result.flows():
        q, qp = served.get((f.community, f.product), (0, 0))
        served[(f.community, f.product)] = (q + f.quantity, qp + f.priority_quantity)
    return served


def packs_by_compound(demands: Iterable[CompoundDemand], packs: list[PackTemplate],
                      served: dict[tuple[str, str], tuple[int, int]]) -> dict[str, PackCount]:
    """Packs fully covered per compound, from the units served of each product.

    A pack counts as allocated when every item of its bill of materials is (products shared
    by several packs are shared in proportion to what each pack asked for).
    """
    out = {}
    for d in demands:
        need: dict[str, Decimal] = {}
        for pack in packs:
            for item in pack.items:
                need[item.product.code] = need.get(item.product.code, Decimal(0)) + (
                    item.quantity * d.packs.get(pack.code, 0))
        demanded = allocated = priority = priority_allocated = 0
        for pack in packs:
            n, n_pri = d.packs.get(pack.code, 0), d.priority_packs.get(pack.code, 0)
            full, full_pri = n, n_pri
            for item in pack.items:
                code = item.product.code
                got, got_pri = served.get((d.code, code), (0, 0))
                share = item.quantity * n / need[code] if need[code] else Decimal(0)
                full = min(full, math.floor(got * share / item.quantity))
                full_pri = min(full_pri, math.floor(got_pri * share / item.quantity))
            demanded += n
            priority += n_pri
            allocated += max(0, full)
            priority_allocated += max(0, full_pri)
        out[d.code] = PackCount(demanded, allocated, priority, priority_allocated)
    return out


def complete_packs(snap: Snapshot, result: opt.Result) -> dict[str, int]:
    """Totals of :func:`packs_by_compound` over the snapshot's compounds."""
    counts = packs_by_compound(snap.demands, snap.packs, served_units(result)).values()
    return {"packs_demanded": sum(c.demanded for c in counts),
            "packs_allocated": sum(c.allocated for c in counts),
            "priority_packs": sum(c.priority for c in counts),
            "priority_allocated": sum(c.priority_allocated for c in counts)}


def stored_served_units(session: Session, *, plan_id: int) -> dict[tuple[str, str],
                                                                   tuple[int, int]]:
    """Units and priority units per (compound code, product code) in a stored plan."""
    rows = session.execute(
        select(Region.code, Product.code, func.sum(PlanFlow.quantity),
               func.sum(PlanFlow.priority_quantity))
        .join(Region, Region.id == PlanFlow.compound_id)
        .join(Product, Product.id == PlanFlow.product_id)
        .where(PlanFlow.plan_id == plan_id).group_by(Region.code, Product.code))
    return {(c, p): (int(q), int(qp)) for c, p, q, qp in rows}


def store_plan(session: Session, *, snap: Snapshot, result: opt.Result, by: str,
               extra: dict[str, Any] | None = None) -> Plan:
    """Write the plan of a day: its flows, what stays unmet, and its summary."""
    s = result.summary
    summary: dict[str, Any] = {
        "served_kg": s.served_kg, "unmet_kg": s.unmet_kg,
        "priority_unmet_kg": s.priority_unmet_kg, "min_fill_rate": s.min_fill_rate,
        "kg_km": s.kg_km, "solve_s": s.solve_s,
        "gaps": {k: (None if math.isnan(v) else v) for k, v in s.gaps().items()},
        "fleet_limits": {k: sorted(c for c, why in snap.fleet_limits.items() if why == k)
                         for k in sorted(set(snap.fleet_limits.values()))},
        **(extra or {}),
    }
    plan = Plan(day=snap.day, created_by=by, summary=summary)
    session.add(plan)
    session.flush()
    flows = [{"plan_id": plan.id, "site_id": snap.site_ids[f.site],
              "compound_id": snap.compound_ids[f.community],
              "product_id": snap.product_ids[f.product], "quantity": f.quantity,
              "priority_quantity": f.priority_quantity, "km": f.km, "tier": f.tier}
             for f in result.flows()]
    if flows:
        session.execute(insert(PlanFlow), flows)
    unmet = [{"plan_id": plan.id, "compound_id": snap.compound_ids[u.community],
              "product_id": snap.product_ids[u.product], "priority": u.priority,
              "regular": u.regular} for u in result.unmet()]
    if unmet:
        session.execute(insert(PlanUnmet), unmet)
    return plan


def latest_plan(session: Session, *, day: date) -> Plan | None:
    """The newest plan of a day, if any."""
    return session.scalar(select(Plan).where(Plan.day == day)
                          .order_by(Plan.created_at.desc(), Plan.id.desc()).limit(1))


@dataclass(frozen=True)
class PickLine:
    """One line of a site's pick list (配货单)."""

    site: str
    compound: str
    compound_name: str
    product: str
    product_name: str
    quantity: int
    priority_quantity: int
    km: float
    tier: str


def pick_lists(session: Session, *, plan_id: int, site_code: str | None = None) -> list[PickLine]:
    """Pick-list lines of a plan, by site then compound (one site's, if given)."""
    stmt = (select(PlanFlow, Site.code, Region.code, Region.name, Product.code, Product.name)
            .join(Site, Site.id == PlanFlow.site_id)
            .join(Region, Region.id == PlanFlow.compound_id)
            .join(Product, Product.id == PlanFlow.product_id)
            .where(PlanFlow.plan_id == plan_id)
            .order_by(Site.code, Region.code, Product.code))
    if site_code:
        stmt = stmt.where(Site.code == site_code)
    return [PickLine(sc, cc, cn, pc, pn, f.quantity, f.priority_quantity, f.km, f.tier.value)
            for f, sc, cc, cn, pc, pn in session.execute(stmt)]
