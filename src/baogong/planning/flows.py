"""The planning flow: read a snapshot, solve outside any transaction, store the plan."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import Source
from baogong.audit.service import Actor, record
from baogong.db import unit_of_work
from baogong.demand.lifecycle import allocate_orders
from baogong.optim import allocation as opt
from baogong.planning import service
from baogong.types import day_start


@dataclass(frozen=True)
class PlanOutcome:
    """A stored plan and the figures the demo and the report show."""

    plan_id: int
    figures: dict[str, Any]


AUDITED = ("packs_allocated", "unmet_packs", "priority_unmet_packs", "served_kg", "unmet_kg",
           "min_fill_rate", "kg_km", "tiers_kg", "orders_allocated")
"""The figures of a plan kept in the audit trail."""


def plan_day(factory: sessionmaker[Session], *, day: date, by: str,
             source: Source = Source.SYSTEM, ref: str = "",
             options: opt.Options | None = None) -> PlanOutcome:
    """Allocate the day's demand to sites and store the plan; returns its id and figures.

    The plan is audited as made by `by` through `source`, against the day's previous plan.
    """
    t0 = time.perf_counter()
    with factory() as session:
        snap = service.snapshot(session, day=day, at=day_start(day), options=options)
    result = opt.solve(snap.problem)
    packs = service.complete_packs(snap, result)
    s = result.summary
    figures: dict[str, Any] = {
        "packs_allocated": packs["packs_allocated"],
        "unmet_packs": packs["packs_demanded"] - packs["packs_allocated"],
        "priority_unmet_packs": packs["priority_packs"] - packs["priority_allocated"],
        "served_kg": round(s.served_kg, 1),
        "unmet_kg": round(s.unmet_kg, 1),
        "priority_unmet_kg": round(s.priority_unmet_kg, 1),
        "min_fill_rate": round(s.min_fill_rate, 4),
        "kg_km": round(s.kg_km, 1),
        "tiers_kg": tiers_kg(result),
        "sites_limited_by_vehicles": len(snap.fleet_limits),
    }
    unmet = {(snap.compound_ids[u.community], snap.product_ids[u.product])
             for u in result.unmet() if u.priority + u.regular > 0}
    with unit_of_work(factory) as session:
        previous = service.latest_plan(session, day=day)
        plan = service.store_plan(session, snap=snap, result=result, by=by, extra=figures)
        plan_id = plan.id
        figures["orders_allocated"] = allocate_orders(session, day=day, unmet=unmet, by=by)
        before = None if previous is None else {"plan": previous.id, **{
            k: previous.summary[k] for k in AUDITED if k in previous.summary}}
        record(session, actor=Actor(by, source, ref), action="create", entity="plan",
               key=day.isoformat(), before=before,
               after={"plan": plan_id, **{k: figures[k] for k in AUDITED}})
    figures["allocation_s"] = round(time.perf_counter() - t0, 3)
    return PlanOutcome(plan_id, figures)


def tiers_kg(result: opt.Result) -> dict[str, float]:
    """Kg moved in each tier (local, nearby, city-wide)."""
    kg = {p.id: p.kg_per_unit for p in result.problem.products}
    out = {t.value: 0.0 for t in opt.Tier}
    for f in result.flows():
        out[f.tier.value] += f.quantity * kg[f.product]
    return {k: round(v, 1) for k, v in out.items()}
