"""The plan: integer flows in columnar form, unmet demand, the summary, and how a plan is
built from new flows (:func:`assemble`) and compared with another (:func:`better`)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from baogong.optim.allocation.geometry import FloatArray, IntArray
from baogong.optim.allocation.model import Problem, Tier


@dataclass(frozen=True, eq=False)
class Flows:
    """New integer flows as index arrays into the problem: site, community, product, units
    and road km of each."""

    site: IntArray
    comm: IntArray
    prod: IntArray
    qty: IntArray
    km: FloatArray


@dataclass(frozen=True, slots=True)
class Flow:
    """Units of one product sent from a site to a community (``priority_quantity`` of them
    for priority households)."""

    site: str
    community: str
    product: str
    quantity: int
    priority_quantity: int
    km: float
    tier: Tier
    fixed: bool = False


@dataclass(frozen=True, slots=True)
class Unmet:
    """Demand left unserved for one (community, product)."""

    community: str
    product: str
    priority: int
    regular: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals of a plan, the LP bounds of each stage and the time taken.

    ``lp_*`` are the optimal values of the linear relaxation (upper bounds for the kg and the
    fill rate, a lower bound for kg x km); ``*_gap`` are the relative shortfalls of the
    integer plan against them.
    """

    served_kg: float
    unmet_kg: float
    priority_served_kg: float
    priority_unmet_kg: float
    min_fill_rate: float
    kg_km: float
    solve_s: float
    lp_priority_kg: float = math.nan
    lp_served_kg: float = math.nan
    lp_min_fill_rate: float = math.nan
    lp_kg_km: float = math.nan
    solver_s: float = 0.0
    solver_calls: int = 0
    arcs: int = 0
    arc_rounds: int = 0
    proven_products: int = -1  # network method: products whose flows are proven optimal
    bound_s: float = 0.0  # network method with kgkm_bound: seconds for the bound (not in solve_s)
    workers: str = ""  # how the plan's flow workers were started: "fork", "spawn" or "" (none)

    def gaps(self) -> dict[str, float]:
        """Relative gaps of the integer plan to the LP bound of each stage (0 = optimal)."""
        def rel(lp: float, got: float, lower_is_better: bool = False) -> float:
            if math.isnan(lp):
                return math.nan
            diff = got - lp if lower_is_better else lp - got
            return max(0.0, diff) / max(abs(lp), 1e-9)

        return {
            "priority_kg": rel(self.lp_priority_kg, self.priority_served_kg),
            "served_kg": rel(self.lp_served_kg, self.served_kg),
            "min_fill_rate": max(0.0, self.lp_min_fill_rate - self.min_fill_rate)
            if not math.isnan(self.lp_min_fill_rate) else math.nan,
            "kg_km": rel(self.lp_kg_km, self.kg_km, lower_is_better=True),
        }


@dataclass(frozen=True, eq=False)
class Result:
    """An integer plan in columnar form (index arrays into the problem) plus its summary.

    Fixed flows come first in the flow arrays, marked by ``flow_fixed``.
    """

    problem: Problem
    flow_site: IntArray
    flow_comm: IntArray
    flow_prod: IntArray
    flow_qty: IntArray
    flow_pri: IntArray
    flow_km: FloatArray
    flow_fixed: npt.NDArray[np.bool_]
    served: IntArray          # units served per (community, product), fixed included
    served_pri: IntArray      # of which priority
    summary: Summary

    def flows(self) -> Iterator[Flow]:
        """The flows as records."""
        pb = self.problem
        tier = pb.options.tier
        for s, c, p, q, qp, km, fx in zip(
            self.flow_site.tolist(), self.flow_comm.tolist(), self.flow_prod.tolist(),
            self.flow_qty.tolist(), self.flow_pri.tolist(), self.flow_km.tolist(),
            self.flow_fixed.tolist(), strict=True,
        ):
            yield Flow(pb.sites[s].id, pb.communities[c].id, pb.products[p].id, q, qp,
                       round(km, 3), tier(km), fx)

    def unmet(self) -> Iterator[Unmet]:
        """Unserved demand, one record per (community, product) left short."""
        pb = self.problem
        a = pb.arrays
        total_pri = a.pri + a.fixed_pri
        un_pri = total_pri - self.served_pri
        un_reg = (a.demand - self.served) - un_pri
        for c, p in zip(*np.nonzero(un_pri + un_reg), strict=True):
            yield Unmet(pb.communities[c].id, pb.products[p].id, int(un_pri[c, p]),
                        int(un_reg[c, p]))

    def tier_kg(self) -> dict[Tier, float]:
        """kg moved per tier."""
        pb = self.problem
        kg = self.flow_qty * pb.arrays.w[self.flow_prod]
        out = {t: 0.0 for t in Tier}
        local = self.flow_km <= pb.options.local_km
        nearby = ~local & (self.flow_km <= pb.options.nearby_km)
        out[Tier.LOCAL] = float(kg[local].sum())
        out[Tier.NEARBY] = float(kg[nearby].sum())
        out[Tier.CITYWIDE] = float(kg[~local & ~nearby].sum())
        return out

    def violations(self) -> list[str]:
        """Broken constraints (stock, capacity, demand, priority labels); empty when valid."""
        pb = self.problem
        a = pb.arrays
        n_s, n_p = a.stock.shape
        out: list[str] = []
        if np.any(self.flow_qty <= 0) or np.any(self.flow_pri < 0) or np.any(
                self.flow_pri > self.flow_qty):
            out.append("flow quantities out of range")
        orig_stock = np.zeros((n_s, n_p), dtype=np.int64)
        for i, site in enumerate(pb.sites):
            for j, prod in enumerate(pb.products):
                orig_stock[i, j] = site.stock.get(prod.id, 0)
        shipped = np.zeros((n_s, n_p), dtype=np.int64)
        np.add.at(shipped, (self.flow_site, self.flow_prod), self.flow_qty)
        if np.any(shipped > orig_stock):
            out.append("stock exceeded")
        kg = np.zeros(n_s)
        np.add.at(kg, self.flow_site, self.flow_qty * a.w[self.flow_prod])
        caps = np.array([s.capacity_kg for s in pb.sites])
        if np.any(kg > caps + 1e-6):
            out.append("capacity exceeded")
        new = ~self.flow_fixed
        if np.any(~a.active[self.flow_site[new]]):
            out.append("inactive site used")
        served = np.zeros_like(a.demand)
        np.add.at(served, (self.flow_comm, self.flow_prod), self.flow_qty)
        if np.any(served != self.served) or np.any(served > a.demand):
            out.append("demand exceeded")
        spri = np.zeros_like(a.demand)
        np.add.at(spri, (self.flow_comm, self.flow_prod), self.flow_pri)
        if np.any(spri != self.served_pri) or np.any(spri > a.pri + a.fixed_pri):
            out.append("priority labels inconsistent")
        return out


def better(new: Summary, old: Summary) -> bool:
    """Whether plan ``new`` beats ``old`` in the stage order: priority kg, kg served, lowest
    fill rate, then kg x km (differences within rounding noise are ties)."""
    kg_tol = 1e-9 * max(1.0, old.served_kg)
    for n, o, tol in ((new.priority_served_kg, old.priority_served_kg, kg_tol),
                      (new.served_kg, old.served_kg, kg_tol),
                      (new.min_fill_rate, old.min_fill_rate, 1e-12),
                      (-new.kg_km, -old.kg_km, 1e-9 * max(1.0, old.kg_km))):
        if n > o + tol:
            return True
        if n < o - tol:
            return False
    return False


def assemble(problem: Problem, flows: Flows, t0: float,
             extra: dict[str, float | int | str] | None = None) -> Result:
    """Build a Result from new integer flows: fixed flows added, priority labels, summary.

    Priority units go to the nearest flows of each pair first; ``extra`` fills the summary's
    other fields (bounds, solver time ...); ``t0`` is when the solve started.
    """
    site, comm, prod, qty, km = flows.site, flows.comm, flows.prod, flows.qty, flows.km
    a = problem.arrays
    n_c, n_p = a.demand.shape
    fixed_n = a.fixed_site.size
    f_qty = np.array([f.quantity for f in problem.fixed_flows], dtype=np.int64)
    f_pri = np.array([f.priority_quantity for f in problem.fixed_flows], dtype=np.int64)
    f_km = problem.km(a.fixed_site, a.fixed_comm) if fixed_n else np.zeros(0)
    n_s = a.stock.shape[0]
    key, first, inverse = np.unique((comm * n_p + prod) * n_s + site, return_index=True,
                                    return_inverse=True)
    if key.size < site.size:  # merge repeated (site, community, product) flows
        qty = np.bincount(inverse.ravel(), weights=qty, minlength=key.size).astype(np.int64)
        site, comm, prod, km = site[first], comm[first], prod[first], km[first]
    order = np.lexsort((km, prod, comm))
    site, comm, prod, qty, km = site[order], comm[order], prod[order], qty[order], km[order]
    new_served = np.zeros((n_c, n_p), dtype=np.int64)
    np.add.at(new_served, (comm, prod), qty)
    pri_new = np.minimum(new_served, a.pri)
    # cumulative quantity within each pair, before this flow
    cum = np.cumsum(qty) - qty
    first = np.ones(qty.size, dtype=bool)
    first[1:] = (comm[1:] != comm[:-1]) | (prod[1:] != prod[:-1])
    grp_start = np.maximum.accumulate(np.where(first, np.arange(qty.size), 0))
    before = cum - cum[grp_start]
    flow_pri = np.clip(pri_new[comm, prod] - before, 0, qty)
    served = a.fixed_q + new_served
    served_pri = a.fixed_pri + pri_new
    fl_site = np.concatenate([a.fixed_site, site])
    fl_comm = np.concatenate([a.fixed_comm, comm])
    fl_prod = np.concatenate([a.fixed_prod, prod])
    fl_qty = np.concatenate([f_qty, qty])
    fl_pri = np.concatenate([f_pri, flow_pri])
    fl_km = np.concatenate([f_km, km])
    fixed = np.zeros(fl_qty.size, dtype=bool)
    fixed[:fixed_n] = True
    w = a.w
    demand_kg = float((a.demand * w).sum())
    served_kg = float((served * w).sum())
    pri_total_kg = float(((a.pri + a.fixed_pri) * w).sum())
    pri_served_kg = float((served_pri * w).sum())
    has = a.demand > 0
    min_fill = float((served[has] / a.demand[has]).min()) if has.any() else 1.0
    kg_km = float((fl_qty * w[fl_prod] * fl_km).sum())
    summary = Summary(
        served_kg=served_kg, unmet_kg=demand_kg - served_kg, priority_served_kg=pri_served_kg,
        priority_unmet_kg=pri_total_kg - pri_served_kg, min_fill_rate=min_fill, kg_km=kg_km,
        solve_s=time.perf_counter() - t0, **(extra or {}),  # type: ignore[arg-type]
    )
    return Result(problem, fl_site, fl_comm, fl_prod, fl_qty, fl_pri, fl_km, fixed, served,
                  served_pri, summary)
