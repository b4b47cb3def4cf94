"""The JSON interface of ``baogong allocate`` (version 1): parse into a Problem, write a plan.

Errors are :class:`baogong.errors.DomainError` with an ``N_``-marked message id, the record
(``site S1``) and the field (``stock.veg-pack``) at fault.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from baogong.errors import DomainError
from baogong.i18n import N_
from baogong.optim.allocation.model import (
    Community,
    Demand,
    FixedFlow,
    Options,
    Problem,
    ProblemError,
    Product,
    Site,
)
from baogong.optim.allocation.result import Result

VERSION = 1
_OPTIONS = {"road_factor", "distance_km", "nearest_k", "local_km", "nearby_km", "time_limit_s",
            "method", "kgkm_bound"}


def _err(message: str, record: str, field: str, **params: Any) -> DomainError:
    return DomainError(message, record=record, field=field, **params)


def _obj(value: Any, record: str, field: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _err(N_("expected an object"), record, field)
    return value


def _list(data: Mapping[str, Any], key: str, required: bool = True) -> list[Any]:
    if key not in data:
        if required:
            raise _err(N_("missing field"), "input", key)
        return []
    value = data[key]
    if not isinstance(value, list):
        raise _err(N_("expected a list"), "input", key)
    return value


def _get(item: Mapping[str, Any], key: str, record: str) -> Any:
    if key not in item or item[key] is None:
        raise _err(N_("missing field"), record, key)
    return item[key]


def _record(kind: str, item: Any, n: int) -> str:
    ident = item.get("id") if isinstance(item, Mapping) else None
    return f"{kind} {ident}" if isinstance(ident, str) and ident else f"{kind} #{n + 1}"


def parse_problem(data: Any) -> Problem:
    """Build a Problem from decoded JSON (version 1), or raise DomainError."""
    data = _obj(data, "input", "(root)")
    if data.get("version") != VERSION:
        raise _err(N_("unsupported version {value}; expected {expected}"), "input", "version",
                   value=data.get("version"), expected=VERSION)
    try:
        products = []
        for n, item in enumerate(_list(data, "products")):
            rec = _record("product", item, n)
            item = _obj(item, rec, "(record)")
            products.append(Product(_get(item, "id", rec), _get(item, "kg_per_unit", rec)))
        sites = []
        for n, item in enumerate(_list(data, "sites")):
            rec = _record("site", item, n)
            item = _obj(item, rec, "(record)")
            stock = _obj(item.get("stock", {}), rec, "stock")
            active = item.get("active", True)
            if not isinstance(active, bool):
                raise _err(N_("expected true or false"), rec, "active")
            sites.append(Site(_get(item, "id", rec), _get(item, "lat", rec),
                              _get(item, "lon", rec), _get(item, "capacity_kg", rec),
                              dict(stock), active))
        communities = []
        for n, item in enumerate(_list(data, "communities")):
            rec = _record("community", item, n)
            item = _obj(item, rec, "(record)")
            demand: dict[str, Demand] = {}
            for pid, dem in _obj(item.get("demand", {}), rec, "demand").items():
                dem = _obj(dem, rec, f"demand.{pid}")
                extra = set(dem) - {"priority", "regular"}
                if extra:
                    raise _err(N_("unknown field {value}"), rec, f"demand.{pid}",
                               value=sorted(extra)[0])
                try:
                    demand[pid] = Demand(dem.get("priority", 0), dem.get("regular", 0))
                except ProblemError as exc:
                    raise _err(exc.message, rec, f"demand.{pid}.{exc.field}",
                               **exc.params) from exc
            communities.append(Community(_get(item, "id", rec), _get(item, "lat", rec),
                                         _get(item, "lon", rec), demand))
        fixed = []
        for n, item in enumerate(_list(data, "fixed_flows", required=False)):
            rec = f"fixed flow #{n + 1}"
            item = _obj(item, rec, "(record)")
            fixed.append(FixedFlow(_get(item, "site", rec), _get(item, "community", rec),
                                   _get(item, "product", rec), _get(item, "quantity", rec),
                                   item.get("priority_quantity", 0)))
        opts = _obj(data.get("options", {}), "options", "(record)")
        unknown = set(opts) - _OPTIONS
        if unknown:
            raise _err(N_("unknown field {value}"), "options", sorted(unknown)[0],
                       value=sorted(unknown)[0])
        return Problem(products, sites, communities, fixed, Options(**opts))
    except ProblemError as exc:
        raise _err(exc.message, exc.record, exc.field, **exc.params) from exc


def read_problem(path: Path) -> Problem:
    """Read and parse a problem file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _err(N_("cannot read the input file: {reason}"), str(path), "(file)",
                   reason=exc.strerror or str(exc)) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _err(N_("not valid JSON: {reason} at line {line}"), str(path), "(file)",
                   reason=exc.msg, line=exc.lineno) from exc
    return parse_problem(data)


def _num(x: float, digits: int = 3) -> float:
    return round(x, digits) if math.isfinite(x) else 0.0


def plan_json(result: Result) -> dict[str, Any]:
    """The output document: flows, unmet and summary, in the shape of issue 3."""
    s = result.summary
    flows = [{"site": f.site, "community": f.community, "product": f.product,
              "quantity": f.quantity, "priority_quantity": f.priority_quantity,
              "km": _num(f.km), "tier": str(f.tier)} for f in result.flows()]
    unmet = [{"community": u.community, "product": u.product, "priority": u.priority,
              "regular": u.regular} for u in result.unmet()]
    gaps = s.gaps()
    summary: dict[str, Any] = {
        "served_kg": _num(s.served_kg), "unmet_kg": _num(s.unmet_kg),
        "priority_unmet_kg": _num(s.priority_unmet_kg),
        "min_fill_rate": _num(s.min_fill_rate, 4), "kg_km": _num(s.kg_km),
        "solve_s": _num(s.solve_s),
        "fixed_flows": int(result.flow_fixed.sum()),
        "lp_bound": {"priority_kg": _num(s.lp_priority_kg), "served_kg": _num(s.lp_served_kg),
                     "min_fill_rate": _num(s.lp_min_fill_rate, 4),
                     "kg_km": _num(s.lp_kg_km) if math.isfinite(s.lp_kg_km) else None},
        "gap": {k: (_num(v, 6) if math.isfinite(v) else None) for k, v in gaps.items()},
        "tier_kg": {str(k): _num(v) for k, v in result.tier_kg().items()},
    }
    if s.proven_products >= 0:  # network method: products whose flows are proven optimal
        summary["flows_proven_optimal"] = {"products": s.proven_products,
                                           "of": len(result.problem.products)}
    if s.bound_s > 0:  # network method with kgkm_bound: seconds the bound took
        summary["bound_s"] = _num(s.bound_s)
    return {"flows": flows, "unmet": unmet, "summary": summary}


def write_plan(result: Result, path: Path) -> None:
    """Write the plan atomically: a temporary file in the same folder, renamed on success."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(json.dumps(plan_json(result), ensure_ascii=False, indent=1),
                       encoding="utf-8")
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
