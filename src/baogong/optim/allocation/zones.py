"""The zone LP: stage 4 with communities grouped into zones, for supplies and prices.

Communities are grouped into zones (demand-weighted k-means), a zone's distance to a site
being the demand-weighted mean of its communities' distances. The LP's optimal values are
poor (zones blur distances), but its capacity and served-kg duals are close to the full
LP's, because they depend on where supply competes, not on the last kilometre: they price
the Lagrangian kg x km bound (:mod:`baogong.optim.allocation.bound`; on the district
benchmark the bound from the default 26 zones' prices is 0.9% below the full LP optimum and
from 100 zones' 0.3% below; the full LP takes 40-120 s there, the prices 1-25 s). For the
same reason the zone LP's units per site and product are the network method's supplies where
it is small enough (``SPLIT_CELLS``; see :mod:`baogong.optim.allocation.solver`): the
district's plan is then 0.16% above the full LP optimum, against 2.7% with the locality
proxy's supplies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.aggregate import Aggregate, stage4_rows
from baogong.optim.allocation.geometry import FloatArray, IntArray, km_grid
from baogong.optim.allocation.highs import INF, Clock, new_highs, pass_model
from baogong.optim.allocation.model import Problem

#: Zones per square root of the communities (26 for 2,000 communities, 134 for 50,000),
#: at least 25 and at most 200: finer zones give better prices and supplies but a larger LP.
ZONES_PER_ROOT = 0.6
#: Sites per zone in the first zone LP (the nearest by mean distance), besides each site's
#: nearest zone; pricing adds the rest where the duals ask for them.
ZONE_SITES = 40
#: ... and at least this many times a zone's share of the sites (sites / zones): on the
#: city, 112 per zone, with which its zone LP converges (with 40 the slack columns carried
#: demand for minutes of pricing).
ZONE_SHARE = 3
#: Pricing rounds of the zone LP (zone x site arcs added where the duals ask for them).
PRICE_ROUNDS = 30
#: Arcs added per zone and product and pricing round (the most negative reduced costs).
PER_ROW = 8
#: Largest zone x site x product grid whose zone LP the network method uses for its supplies
#: (the district: 26 x 293 x 12 = 91,000; the city's 134 x 5,000 x 12 = 8 million takes
#: minutes, so the city keeps the locality proxy's supplies).
SPLIT_CELLS = 2_000_000
#: Seconds of pricing the bound's zone LP may take when the plan did not solve it (large
#: instances); its prices are valid whenever it stops, but far less tight before it has
#: converged (the city's takes 3-5 minutes).
BOUND_PRICING_S = 600.0


#: A plan's flows as (site, community, product) index arrays.
Seed = tuple[IntArray, IntArray, IntArray]


@dataclass(frozen=True)
class Zone:
    """The zone LP's answer: rent per kg of each site's capacity, reward per kg served,
    units per (site, product), the kg its slack columns carried (0 when its restricted
    arcs sufficed) and its optimal value (zone kg x km, slack penalties included)."""

    mu: FloatArray
    nu: float
    supply: FloatArray
    short_kg: float
    value: float = 0.0


def zone_count(problem: Problem) -> int:
    """How many zones the zone LP uses (see ``ZONES_PER_ROOT``)."""
    a = problem.arrays
    n_comm = int(np.count_nonzero((a.pri + a.reg).sum(axis=1) > 0))
    zones = int(np.clip(ZONES_PER_ROOT * np.sqrt(n_comm), 25, 200))
    return min(n_comm, zones)


def zone_cells(problem: Problem) -> int:
    """Zone x usable site x product cells of the zone LP."""
    a = problem.arrays
    usable = (a.stock > 0) & (a.active & (a.cap > 0))[:, None]
    return zone_count(problem) * int(usable.any(axis=1).sum()) * int(a.stock.shape[1])


def zone_prices(problem: Problem, agg: Aggregate, clock: Clock,
                budget_s: float = BOUND_PRICING_S, seed: Seed | None = None
                ) -> tuple[FloatArray, float]:
    """Rent per kg of each site's capacity and the reward per kg served, from the zone LP
    (pricing stops after ``budget_s``; ``seed``: see :func:`zone_lp`)."""
    z = zone_lp(problem, agg, clock, budget_s=budget_s, seed=seed)
    return z.mu, z.nu


def zone_lp(problem: Problem, agg: Aggregate, clock: Clock, n_zone: int | None = None,
            budget_s: float = float("inf"), seed: Seed | None = None) -> Zone:
    """Stage 4 over zones of communities (see the module docstring), keeping stages 1-3 in
    aggregate form: per zone and product served in [sum of floors, sum of demand], total kg
    at least stage 2's. Arcs: each zone's ``ZONE_SITES`` nearest sites and each site's nearest
    zone, then priced (column generation over every zone x site); slack columns at a high
    cost keep it feasible meanwhile."""
    a = problem.arrays
    n_s, n_p = a.stock.shape
    w = a.w
    usable = (a.stock > 0) & (a.active & (a.cap > 0))[:, None]
    need = a.pri + a.reg
    comms = np.flatnonzero(need.sum(axis=1) > 0)
    sites = np.flatnonzero(usable.any(axis=1))
    supply = np.zeros((n_s, n_p))
    if comms.size == 0 or sites.size == 0:
        return Zone(np.zeros(n_s), 0.0, supply, 0.0)
    lo, total = stage4_rows(problem, agg)
    t0 = time.perf_counter()
    n_site = sites.size
    n_zone = min(n_zone or zone_count(problem), comms.size)
    per_zone = min(n_site, max(ZONE_SITES, ZONE_SHARE * n_site // n_zone))
    weight = (need[comms] * w).sum(axis=1)
    lab, n_zone = weighted_kmeans(a.comm_xyz[comms], weight, n_zone)
    # demand-weighted mean km from each zone to each site
    kz = np.zeros((n_zone, n_site))
    chunk = max(1, 4_000_000 // n_site)
    for i in range(0, comms.size, chunk):
        sl = slice(i, i + chunk)
        km = km_grid(a.comm_xyz, a.site_xyz, a.matrix, problem.options.road_factor,
                     comms[sl], sites)
        onehot = np.zeros((n_zone, km.shape[0]))
        onehot[lab[sl], np.arange(km.shape[0])] = weight[sl]
        kz += onehot @ km
    kz /= np.maximum(np.bincount(lab, weights=weight, minlength=n_zone), 1e-12)[:, None]
    arc = np.zeros((n_zone, n_site), dtype=bool)
    near = (np.argpartition(kz, per_zone - 1, axis=1)[:, :per_zone] if per_zone < n_site
            else np.broadcast_to(np.arange(n_site), kz.shape))
    arc[np.arange(n_zone)[:, None], near] = True
    arc[np.argmin(kz, axis=0), np.arange(n_site)] = True
    zlo = np.zeros((n_zone, n_p))
    zub = np.zeros((n_zone, n_p))
    np.add.at(zlo, lab, lo[comms])
    np.add.at(zub, lab, need[comms].astype(np.float64))
    use = usable[sites]
    init = arc[:, :, None] & (zub[:, None, :] > 0) & use[None, :, :]
    if seed is not None and seed[0].size:  # a plan's flows, as zone x site arcs
        pos = np.full(n_s, -1, dtype=np.int64)
        pos[sites] = np.arange(n_site)
        zone_of = np.full(a.comm_xyz.shape[0], -1, dtype=np.int64)
        zone_of[comms] = lab
        sz, ss, sp = zone_of[seed[1]], pos[seed[0]], seed[2]
        ok = (sz >= 0) & (ss >= 0)
        init[sz[ok], ss[ok], sp[ok]] |= (zub[sz[ok], sp[ok]] > 0) & use[ss[ok], sp[ok]]
    zi, si, pi = np.nonzero(init)
    n_x = zi.size
    ys, yp = np.nonzero(use)
    stock_row = np.full((n_site, n_p), -1, dtype=np.int64)
    stock_row[ys, yp] = np.arange(ys.size)
    kg0 = ys.size
    zz, zp = np.nonzero(zub > 0)
    zrow = np.full((n_zone, n_p), -1, dtype=np.int64)
    zrow[zz, zp] = kg0 + n_site + np.arange(zz.size)
    tot_row = kg0 + n_site + zz.size
    has_total = np.isfinite(total)
    big = 10.0 * (float(kz.max()) + 1.0)
    # columns: x (stock, kg, zone rows) | K_s (kg -1, total +1) | zone slack | total slack
    idx = [np.stack([stock_row[si, pi], kg0 + si, zrow[zi, pi]], axis=1).ravel(),
           np.stack([kg0 + np.arange(n_site), np.full(n_site, tot_row)], axis=1).ravel(),
           zrow[zz, zp], [tot_row]]
    val = [np.stack([np.ones(n_x), w[pi], np.ones(n_x)], axis=1).ravel(),
           np.tile([-1.0, 1.0], n_site), np.ones(zz.size), [1.0]]
    start = np.concatenate([np.arange(0, 3 * n_x, 3), 3 * n_x + np.arange(0, 2 * n_site, 2),
                            3 * n_x + 2 * n_site + np.arange(zz.size + 1)])
    index = np.concatenate([np.asarray(v, dtype=np.int64) for v in idx]).astype(np.int32)
    value = np.concatenate([np.asarray(v, dtype=np.float64) for v in val])
    start = np.concatenate([start, [index.size]]).astype(np.int32)
    cost = np.concatenate([w[pi] * kz[zi, si], np.zeros(n_site), big * w[zp],
                           [big if has_total else 0.0]])
    lower = np.zeros(cost.size)
    upper = np.concatenate([np.full(n_x, INF), a.cap[sites], zlo[zz, zp], [INF]])
    row_lo = np.concatenate([np.full(kg0, -INF), np.zeros(n_site), zlo[zz, zp],
                             [total if has_total else -INF]])
    row_hi = np.concatenate([a.stock[sites][ys, yp].astype(np.float64), np.zeros(n_site),
                             zub[zz, zp], [INF]])
    h = new_highs(problem.options.time_limit_s)
    pass_model(h, cost, lower, upper, row_lo, row_hi, start, index, value, maximize=False)
    n_fixed = n_site + zz.size + 1  # K, slack columns: added columns come after them
    have = np.zeros((n_zone, n_site, n_p), dtype=bool)
    have[zi, si, pi] = True
    cand = (zub[:, None, :] > 0) & use[None, :, :]
    arcs = [(zi, si, pi)]
    for _ in range(PRICE_ROUNDS):
        clock.run(h)
        if time.perf_counter() - t0 > budget_s:
            break
        dual = np.asarray(h.getSolution().row_dual)
        # reduced cost of x(z, s, p): w_p kz - (stock dual + w_p kg dual + zone dual)
        d_stock = np.zeros((n_site, n_p))
        d_stock[ys, yp] = dual[:kg0]
        d_zone = np.zeros((n_zone, n_p))
        d_zone[zz, zp] = dual[zrow[zz, zp]]
        rc = (w[None, None, :] * (kz[:, :, None] - dual[kg0:kg0 + n_site][None, :, None])
              - d_stock[None, :, :] - d_zone[:, None, :])
        rc = np.where(cand & ~have, rc, 0.0)
        # at most PER_ROW most negative per zone and product (all would flood the LP while
        # slack still props up a zone's row)
        m = min(PER_ROW, n_site)
        part = np.argpartition(rc, m - 1, axis=1)[:, :m, :]
        best = np.take_along_axis(rc, part, axis=1)
        neg = best < -1e-7 * (1 + np.abs(d_zone[:, None, :]))
        new_z, j, new_p = np.nonzero(neg)
        new_s = part[new_z, j, new_p]
        if new_z.size == 0:
            break
        have[new_z, new_s, new_p] = True
        arcs.append((new_z, new_s, new_p))
        n_new = new_z.size
        c_idx = np.stack([stock_row[new_s, new_p], kg0 + new_s, zrow[new_z, new_p]],
                         axis=1).ravel().astype(np.int32)
        c_val = np.stack([np.ones(n_new), w[new_p], np.ones(n_new)], axis=1).ravel()
        h.addCols(n_new, w[new_p] * kz[new_z, new_s], np.zeros(n_new), np.full(n_new, INF),
                  c_idx.size, np.arange(0, 3 * n_new, 3, dtype=np.int32), c_idx, c_val)
        h.setOptionValue("simplex_strategy", 4)  # primal: the basis stays feasible
    dual = np.asarray(h.getSolution().row_dual)
    nu = max(0.0, float(dual[tot_row])) if has_total else 0.0
    mu = np.zeros(n_s)
    mu[sites] = np.maximum(nu - dual[kg0:kg0 + n_site], 0.0)
    col = np.asarray(h.getSolution().col_value)
    x = np.concatenate([col[:n_x], col[n_x + n_fixed:]])
    all_s = np.concatenate([a_[1] for a_ in arcs])
    all_p = np.concatenate([a_[2] for a_ in arcs])
    np.add.at(supply, (sites[all_s], all_p), x)
    slack = col[n_x + n_site:n_x + n_fixed]
    short = float(slack[:zz.size] @ w[zp]) + (float(slack[-1]) if has_total else 0.0)
    return Zone(mu, nu, supply, short, float(h.getInfo().objective_function_value))


def weighted_kmeans(xyz: FloatArray, weight: FloatArray, n_zone: int, rounds: int = 12
           ) -> tuple[IntArray, int]:
    """Weighted k-means on the unit sphere (deterministic): zone of each point, zone count."""
    order = np.argsort(-weight, kind="stable")
    step = max(1, xyz.shape[0] // n_zone)
    cent = xyz[order[::step][:n_zone]].copy()
    lab = np.zeros(xyz.shape[0], dtype=np.int64)
    for _ in range(rounds):
        lab = np.argmax(xyz @ cent.T, axis=1)
        sums = np.zeros_like(cent)
        np.add.at(sums, lab, xyz * weight[:, None])
        norm = np.linalg.norm(sums, axis=1)
        ok = norm > 0
        cent[ok] = sums[ok] / norm[ok, None]
    used, lab = np.unique(lab, return_inverse=True)
    return lab.ravel(), int(used.size)
