"""Scoped reads of plans and their flows, fill rates per compound, and the day's alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.demand.service import product_units, standard_pack_demand, standard_packs
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.ledger.models import Product, Site
from baogong.ledger.queries import stock_by_product
from baogong.planning.models import Plan, PlanFlow
from baogong.planning.service import PackCount, packs_by_compound, stored_served_units
from baogong.regions.models import Region
from baogong.types import day_start

FLOW_READERS = (Role.COMMAND, Role.INSPECTOR, Role.ENTERPRISE, Role.COMMUNITY)


def latest(session: Session, *, day: date | None = None) -> Plan | None:
    """The newest plan (of a day, if given)."""
    stmt = select(Plan).order_by(Plan.created_at.desc(), Plan.id.desc()).limit(1)
    if day is not None:
        stmt = stmt.where(Plan.day == day)
    return session.scalar(stmt)


def get_plan(session: Session, *, plan_id: int) -> Plan:
    """A plan by id; NotFound otherwise."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(N_("Unknown plan {id}"), record=f"plan {plan_id}", field="plan_id",
                       id=plan_id)
    return plan


@dataclass(frozen=True)
class FlowRow:
    """A plan flow with the codes and names a reader needs."""

    site: str
    site_name: str
    compound: str
    compound_name: str
    product: str
    product_name: str
    quantity: int
    priority_quantity: int
    km: float
    tier: str


def _scoped(stmt: Any,
            scope: Scope) -> Any:
    if scope.sees_all:
        return stmt
    if scope.role is Role.ENTERPRISE and scope.enterprise_id is not None:
        return stmt.where(Site.enterprise_id == scope.enterprise_id)
    if scope.role is Role.COMMUNITY and scope.region_path:
        return stmt.where(Region.path.startswith(scope.region_path))
    return stmt.where(PlanFlow.id == -1)


def flows_page(session: Session, *, scope: Scope, plan_id: int, site: str | None = None,
               region: str | None = None, limit: int = 50,
               offset: int = 0) -> tuple[list[FlowRow], int]:
    """Flows of a plan in scope (an enterprise's own sites, a community's own compounds)."""
    stmt = (select(PlanFlow, Site, Region, Product)
            .join(Site, Site.id == PlanFlow.site_id)
            .join(Region, Region.id == PlanFlow.compound_id)
            .join(Product, Product.id == PlanFlow.product_id)
            .where(PlanFlow.plan_id == plan_id))
    stmt = _scoped(stmt, scope)
    if site:
        stmt = stmt.where(Site.code == site)
    if region:
        under = session.scalar(select(Region.path).where(Region.code == region))
        if under is None:
            raise NotFound(N_("Unknown region code {code}"), record=f"region {region}",
                           field="region", code=region)
        stmt = stmt.where(Region.path.startswith(under))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(Site.code, Region.code, Product.code)
                           .limit(limit).offset(offset))
    return [FlowRow(s.code, s.name, r.code, r.name, p.code, p.name, f.quantity,
                    f.priority_quantity, f.km, f.tier.value) for f, s, r, p in rows], int(total)


def pack_counts(session: Session, *, plan: Plan) -> dict[str, PackCount]:
    """Packs demanded and fully allocated per compound code, for a stored plan."""
    demands = standard_pack_demand(session, at=day_start(plan.day))
    packs = standard_packs(session)
    return packs_by_compound(demands, packs, stored_served_units(session, plan_id=plan.id))


@dataclass(frozen=True)
class Alert:
    """Something the command centre must act on, with its severity and figures."""

    code: str
    severity: str
    message: str
    params: dict[str, object]


def alerts(session: Session, *, plan: Plan | None, unrouted_kg: float = 0.0) -> list[Alert]:
    """The open alerts of the day: vulnerable households unserved, short products, unrouted load.

    Messages are message ids; the caller translates them with their params.
    """
    out: list[Alert] = []
    if plan is None:
        return out
    s = plan.summary or {}
    if int(s.get("priority_unmet_packs", 0) or 0) > 0:
        out.append(Alert("priority_unmet", "critical",
                         N_("{n} packs for vulnerable households are not covered"),
                         {"n": int(s["priority_unmet_packs"])}))
    if int(s.get("unmet_packs", 0) or 0) > 0:
        out.append(Alert("unmet", "warning", N_("{n} packs are not covered by stock"),
                         {"n": int(s["unmet_packs"])}))
    demands = standard_pack_demand(session, at=day_start(plan.day))
    need = product_units(demands, standard_packs(session))
    have = stock_by_product(session)
    names = {p.id: p.name for p in session.scalars(select(Product))}
    for pid, units in sorted(need.items()):
        if units > 0 and have.get(pid, 0) < units:
            out.append(Alert("short_product", "warning",
                             N_("Stock of {product} covers {cover}% of today's need"),
                             {"product": names.get(pid, str(pid)),
                              "cover": int(100 * have.get(pid, 0) / units)}))
    if unrouted_kg > 0:
        out.append(Alert("unrouted", "warning", N_("{kg} kg could not be put on a vehicle"),
                         {"kg": round(unrouted_kg, 1)}))
    return out
