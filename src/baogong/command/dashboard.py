"""The command dashboard's figures and map layers, assembled from the domains' queries.

The result is cached per event-bus version: any write that publishes an event makes the
next request recompute it.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from baogong.auth.scope import whole_city
from baogong.delivery.queries import latest_run, run_figures
from baogong.demand.service import product_units, standard_pack_demand, standard_packs
from baogong.i18n import gettext
from baogong.ledger.queries import all_sites, product_names, stock_by_product
from baogong.planning import queries as planning
from baogong.regions.models import ZoneStatus
from baogong.regions.queries import all_handoffs, visible_compounds
from baogong.regions.service import compound_statuses
from baogong.types import day_start, utcnow
from baogong.workforce.queries import on_duty

_lock = threading.Lock()
_cache: dict[tuple[int, str], dict[str, Any]] = {}


def cached(session: Session, *, version: int, day: date | None, lang: str) -> dict[str, Any]:
    """The dashboard data, recomputed only when something changed since the last call."""
    key = (version, f"{day}:{lang}")
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    data = dashboard_data(session, day=day)
    with _lock:
        _cache.clear()
        _cache[key] = data
    return data


def dashboard_data(session: Session, *, day: date | None = None) -> dict[str, Any]:
    """KPIs, map layers, charts and alerts of the newest plan (of a day)."""
    plan = planning.latest(session, day=day)
    at = day_start(plan.day) if plan else utcnow()
    everything = whole_city()
    compounds = visible_compounds(session, scope=everything)
    statuses = compound_statuses(session, at=at, items=compounds) if compounds else {}
    counts = planning.pack_counts(session, plan=plan) if plan else {}
    run = latest_run(session, day=plan.day) if plan else None
    figures = run_figures(session, run_id=run.id) if run else None
    sealed_hh = sum(c.households for c in compounds if statuses[c.id] is ZoneStatus.SEALED)
    demanded = sum(c.demanded for c in counts.values())
    allocated = sum(c.allocated for c in counts.values())
    delivered = 0
    if figures and figures.load_kg > 0:
        delivered = round(allocated * figures.delivered_kg / figures.load_kg)
    alerts = planning.alerts(session, plan=plan,
                             unrouted_kg=figures.unrouted_kg if figures else 0.0)
    kpis = {
        "sealed_households": sealed_hh,
        "packs_demanded": demanded,
        "packs_planned": allocated,
        "packs_delivered": delivered,
        "fill_rate": round(allocated / demanded, 4) if demanded else None,
        "vehicles_out": figures.vehicles_out if figures else 0,
        "stops": figures.stops if figures else 0,
        "stops_delivered": figures.delivered if figures else 0,
        "volunteers_on_duty": on_duty(session),
        "open_alerts": len(alerts),
    }
    layer_compounds = []
    for c in compounds:
        if c.lat is None or c.lon is None:
            continue
        pc = counts.get(c.code)
        fill = round(pc.allocated / pc.demanded, 3) if pc and pc.demanded else None
        layer_compounds.append([c.code, c.name, round(c.lat, 5), round(c.lon, 5),
                                statuses[c.id].value, fill, c.households])
    sites = [[s.code, s.name, round(s.lat, 5), round(s.lon, 5)]
             for s in all_sites(session, scope=everything)]
    handoffs = [[h.code, h.name, round(h.lat, 5), round(h.lon, 5)]
                for h in all_handoffs(session)]
    return {
        "plan": {"id": plan.id, "day": plan.day.isoformat(), "by": plan.created_by}
        if plan else None,
        "run_id": run.id if run else None,
        "kpis": kpis,
        "compounds": layer_compounds,
        "sites": sites,
        "handoffs": handoffs,
        "routes": figures.lines if figures else [],
        "charts": {"cover": _cover(session, at=at),
                   "tiers": (plan.summary or {}).get("tiers_kg", {}) if plan else {}},
        "alerts": [{"code": a.code, "severity": a.severity,
                    "message": gettext(a.message).format(**a.params)} for a in alerts],
    }


def _cover(session: Session, *, at: Any) -> list[dict[str, Any]]:
    """Need against stock per product (units) for the sealed compounds."""
    need = product_units(standard_pack_demand(session, at=at), standard_packs(session))
    have = stock_by_product(session)
    names = product_names(session)
    return [{"product": names.get(pid, str(pid)), "need": float(q),
             "stock": float(have.get(pid, Decimal(0)))}
            for pid, q in sorted(need.items(), key=lambda kv: names.get(kv[0], ""))]
