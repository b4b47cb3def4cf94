"""The site supplies the network method's flows start from, and each pair's fair share.

The aggregate LP (:mod:`baogong.optim.allocation.aggregate`) or the zone LP
(:mod:`baogong.optim.allocation.zones`) gives units per (site, product); these turn them into
whole units within stock and capacity (:func:`integer_supply`), into what each product's flow
may take from each site (:func:`supply_bounds`), and give each (community, product) pair its
floor and ceiling (:func:`pair_bounds`); :func:`site_proxy_km` is the locality proxy the
aggregate LP minimises when the zone LP is not used.
"""

from __future__ import annotations

import numpy as np

from baogong.optim.allocation.geometry import FloatArray, IntArray
from baogong.optim.allocation.model import Problem


def site_proxy_km(problem: Problem, nth: int = 8) -> FloatArray:
    """Per site: road km to its ``nth`` nearest community with demand left (a locality proxy)."""
    a = problem.arrays
    need = np.flatnonzero((a.pri + a.reg).sum(axis=1) > 0)
    n_s = a.stock.shape[0]
    out = np.zeros(n_s)
    if need.size == 0:
        return out
    k = min(nth, need.size)
    chunk = max(1, 4_000_000 // need.size)
    for lo in range(0, n_s, chunk):
        s = np.arange(lo, min(n_s, lo + chunk))
        if a.matrix is not None:
            dist = a.matrix[s][:, need]
        else:
            dist = 2.0 - 2.0 * (a.site_xyz[s] @ a.comm_xyz[need].T)
        part = np.argpartition(dist, k - 1, axis=1)[:, k - 1] if k < need.size else np.argmax(
            dist, axis=1)
        out[s] = problem.km(s, need[part])
    return out


def integer_supply(problem: Problem, supply: FloatArray) -> IntArray:
    """Round LP supplies to units without breaking stock or capacity.

    Values within 1e-4 of a whole unit are taken as that unit (LP tolerances); the rest are
    rounded down, and a site left over its capacity by that gives back its lightest units.
    """
    a = problem.arrays
    units = np.minimum(np.floor(supply + 1e-4).astype(np.int64), np.maximum(a.stock, 0))
    kg = units @ a.w
    for s in np.flatnonzero(kg > a.cap + 1e-9).tolist():
        for p in np.argsort(a.w).tolist():
            while units[s, p] > 0 and kg[s] > a.cap[s] + 1e-9:
                units[s, p] -= 1
                kg[s] -= a.w[p]
    return units


def pair_bounds(problem: Problem, min_fill: float, all_priority: bool, p: int, units: int
                ) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs of product ``p`` with demand left: (community, floor units, most units).

    The floor is the fair share ``t d - f`` rounded up, so every pair's fill rate is at least
    ``t``, and the pair's priority units when the product's ``units`` cover every one of
    them; ``t`` starts at the LP's ``t*`` and is lowered (bisection) until the floors fit
    ``units``, the supply after rounding: the integer max-min fill rate for that supply.
    The most is the pair's demand, or only its priority units when ``units`` cannot cover
    them all: in every stage-1 optimum such a product serves priority units only (a
    regular unit served instead of a priority one of the same product would lower the
    priority kg), so its flow must not spend a unit on a regular household.
    """
    a = problem.arrays
    need = a.pri[:, p] + a.reg[:, p]
    comm = np.flatnonzero(need > 0)
    ub = need[comm].astype(np.int64)
    d = a.demand[comm, p].astype(np.float64)
    f = a.fixed_q[comm, p]
    pri_q = a.pri[comm, p].astype(np.int64)
    if all_priority or units >= int(pri_q.sum()):
        pri = pri_q
    else:
        pri = np.zeros(comm.size, dtype=np.int64)
        ub = pri_q

    def floors(t: float) -> IntArray:
        fl = np.maximum(np.ceil(t * d - f - 1e-9), 0).astype(np.int64)
        out: IntArray = np.minimum(np.maximum(fl, pri), ub)
        return out

    lo, hi = 0.0, min_fill
    if int(floors(hi).sum()) <= units:
        return comm, floors(hi), ub
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if int(floors(mid).sum()) <= units else (lo, mid)
    return comm, floors(lo), ub


def supply_bounds(problem: Problem, supply: IntArray) -> IntArray:
    """Per (site, product): how many units the flows may take from the site, the product
    totals of ``supply`` being kept. Stock bounds it; at sites whose stock outweighs their
    capacity, each product keeps its units of ``supply`` and gets a share of the spare kg
    capacity in proportion to the kg of its stock not yet used."""
    a = problem.arrays
    usable = (a.active & (a.cap > 0))[:, None] & (a.stock > 0)
    stock = np.where(usable, a.stock, 0).astype(np.int64)
    out: IntArray = stock.copy()
    tight = np.flatnonzero(stock @ a.w > a.cap + 1e-9)
    if tight.size:
        rest = (stock[tight] - supply[tight]) * a.w  # kg not used, per product
        spare = np.maximum(a.cap[tight] - supply[tight] @ a.w, 0.0)
        share = rest / np.maximum(rest.sum(axis=1, keepdims=True), 1e-12)
        extra = np.floor(spare[:, None] * share / a.w).astype(np.int64)
        out[tight] = np.minimum(supply[tight] + extra, stock[tight])
    return out
