"""One product's Lagrangian subproblem of stage 4, with a bound that holds over every arc.

The stage-4 LP (see :mod:`baogong.optim.allocation.exact`) couples the products only through
the sites' shared kg capacity and the total-kg row. Priced out with a rent ``mu_s`` per kg of
capacity and a reward ``nu`` per kg served, it falls apart into one transport problem per
product:

    V_p = min sum w_p (km_sc + mu_s - nu) x_sc
          s.t. sum_c x_sc <= stock_sp,  lo_c <= sum_s x_sc <= ub_c,  x >= 0

and ``sum_p V_p - sum_s mu_s cap_s + nu T`` is a lower bound on the stage-4 LP for *any*
``mu, nu >= 0`` (weak duality; equal to it at the LP's own duals). This module solves
``V_p`` as an integer min-cost flow (OR-Tools, in a flow worker) on a subset of the arcs and
turns the flow into a *certified* lower bound through the LP dual of ``V_p`` with a price
``a_s >= 0`` on each site's stock: given ``a``, every pair's best price is

    m_q = min over every supplying site of  w (km_sq + mu_s - nu) + a_s,

worth ``m_q lo_q`` when ``m_q >= 0`` and ``m_q ub_q`` otherwise, so
``sum_q that - sum_s a_s stock_s <= V_p`` whatever ``a`` is. ``a`` is read off the flow's
potentials; the minimum runs over *all* sites (those off a pair's nearest-site list only
where the list's end cannot rule them out), so cost rounding, fractional floors and arcs
left out of the flow cost nothing in validity, only in tightness. Where the minimum is
reached off the flow's arcs, those arcs are added and the flow solved again (pricing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.arcs import Geo
from baogong.optim.allocation.geometry import FloatArray, IntArray, km_grid
from baogong.optim.allocation.network import CHUNK_CELLS, potentials, product_arcs, take

#: Integer cost units per kg x km in the flow (1 m).
_SCALE = 1000.0
#: Pricing rounds: the flow solved again with the arcs that price better added.
_ROUNDS = 4



@dataclass(frozen=True, eq=False)
class LagrangeJob:
    """One product's subproblem for a worker: stock per site, floor per pair (fractional),
    the pairs' communities and demand, rent per kg per site, reward per kg, kg per unit,
    nearest ``k`` sites per pair as first arcs, and seed arcs as (pair, site): a plan's flows
    of the product, the arcs the subproblem most likely needs."""

    product: int
    stock: IntArray
    lo: FloatArray
    pair_c: IntArray
    ub: IntArray
    mu: FloatArray
    nu: float
    w: float
    k: int
    seed_q: IntArray
    seed_s: IntArray


@dataclass(frozen=True, eq=False)
class LagrangeOut:
    """Solver calls, solver seconds, and the certificate of the best round: each pair's best
    price before the reward (``m_q + w nu``) and ``-sum_s a_s stock_s``, with which the bound
    on ``V_p`` holds for any reward (see :func:`pair_value`, :func:`best_reward`)."""

    calls: int
    solver_s: float
    price: FloatArray
    const: float


def solve_job(geo: Geo, job: LagrangeJob, by_site: IntArray | None = None) -> LagrangeOut:
    """Solve one product's subproblem; return the certificate of its lower bound."""
    stock, lo, pair_c, ub, mu, nu = job.stock, job.lo, job.pair_c, job.ub, job.mu, job.nu
    w, k, seed_q, seed_s = job.w, job.k, job.seed_q, job.seed_s
    sup = np.flatnonzero(stock > 0)
    lo_int = np.minimum(np.ceil(lo - 1e-9).astype(np.int64), ub)
    if pair_c.size == 0 or sup.size == 0:  # without stock the floors have no finite bound
        return LagrangeOut(0, 0.0, np.full(pair_c.size, np.inf), 0.0)
    arc_q, arc_s, arc_km = product_arcs(geo, stock, pair_c, ub, k, by_site)
    ok = stock[seed_s] > 0
    arc_q, arc_s, arc_km = _merge(geo, pair_c, arc_q, arc_s, arc_km, seed_q[ok], seed_s[ok])
    calls, secs = 0, 0.0
    best, cert = -np.inf, (np.zeros(0), 0.0)
    for rnd in range(_ROUNDS + 1):
        d, t = _flow(stock, sup, lo_int, ub, arc_q, arc_s, arc_km, mu, nu)
        calls, secs = calls + 1, secs + t
        bound, new_q, new_s, price, const = _bound(geo, stock, sup, lo, ub, pair_c, arc_q,
                                                   arc_s, arc_km, mu, nu, w, d)
        if bound > best:
            best, cert = bound, (price, const)
        n_arcs = arc_q.size
        if rnd < _ROUNDS:
            arc_q, arc_s, arc_km = _merge(geo, pair_c, arc_q, arc_s, arc_km, new_q, new_s)
        if arc_q.size == n_arcs:
            break
    return LagrangeOut(calls, secs, cert[0], cert[1])


def _merge(geo: Geo, pair_c: IntArray, arc_q: IntArray, arc_s: IntArray,
           arc_km: FloatArray, new_q: IntArray, new_s: IntArray
           ) -> tuple[IntArray, IntArray, FloatArray]:
    """The arcs with ``(new_q, new_s)`` added where they are not already."""
    n_s = geo.site_xyz.shape[0]
    key = new_q * n_s + new_s
    _, first = np.unique(key, return_index=True)
    first = first[~np.isin(key[first], arc_q * n_s + arc_s)]
    new_q, new_s = new_q[first], new_s[first]
    return (np.concatenate([arc_q, new_q]), np.concatenate([arc_s, new_s]),
            np.concatenate([arc_km, geo.km(new_s, pair_c[new_q])]))


def _flow(stock: IntArray, sup: IntArray, lo: IntArray, ub: IntArray, arc_q: IntArray,
          arc_s: IntArray, arc_km: FloatArray, mu: FloatArray, nu: float
          ) -> tuple[IntArray, float]:
    """The integer flow on the arcs: its node potentials (nodes: sites ``sup``, pairs,
    source, sink) and the solver seconds. A source -> pair arc per pair, dearer than any route,
    keeps the floors feasible whatever the arcs (its flow only weakens the bound)."""
    from ortools.graph.python import min_cost_flow

    n_s, n_sup, n_q = stock.size, sup.size, lo.size
    node = np.full(n_s, -1, dtype=np.int64)
    node[sup] = np.arange(n_sup)
    src, sink = n_sup + n_q, n_sup + n_q + 1
    cost = np.round(_SCALE * (arc_km + mu[arc_s] - nu)).astype(np.int64)
    big = 4 * int(np.abs(cost).max(initial=1)) + 1
    total = int(stock[sup].sum()) + int(lo.sum())
    tails = np.concatenate([np.full(n_sup, src), node[arc_s], n_sup + np.arange(n_q), [src],
                            np.full(n_q, src)])
    heads = np.concatenate([np.arange(n_sup), n_sup + arc_q, np.full(n_q, sink), [sink],
                            n_sup + np.arange(n_q)])
    caps = np.concatenate([stock[sup], ub[arc_q], ub - lo, [total], lo])
    costs = np.concatenate([np.zeros(n_sup, np.int64), cost, np.zeros(n_q, np.int64), [0],
                            np.full(n_q, big)])
    supplies = np.zeros(n_sup + n_q + 2, dtype=np.int64)
    supplies[src] = total
    supplies[n_sup:n_sup + n_q] = -lo
    supplies[sink] = -(total - int(lo.sum()))
    m = min_cost_flow.SimpleMinCostFlow()
    m.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    m.set_nodes_supplies(np.arange(supplies.size), supplies)
    t0 = time.perf_counter()
    status = m.solve()
    secs = time.perf_counter() - t0
    if status != m.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = np.asarray(m.flows(np.arange(tails.size)), dtype=np.int64)
    d = potentials(supplies.size, tails, heads, caps, costs, flows)
    if d is None:
        raise RuntimeError("min-cost flow: no optimal potentials")
    return d, secs


def _bound(geo: Geo, stock: IntArray, sup: IntArray, lo: FloatArray, ub: IntArray,
           pair_c: IntArray, arc_q: IntArray, arc_s: IntArray, arc_km: FloatArray,
           mu: FloatArray, nu: float, w: float, d: IntArray
           ) -> tuple[float, IntArray, IntArray, FloatArray, float]:
    """Certified lower bound on ``V_p`` (kg x km) from the flow's potentials ``d`` (see the
    module docstring), and the arcs (pair, site) that price better than every arc of the
    pair in the flow (at most ``PER_PAIR`` per pair, cheapest first), then the certificate
    (see :data:`Out`).

    Site prices: ``a_s = max(0, pi_source - pi_s)`` with ``pi = -d w / _SCALE``, the value
    of a unit of the site's stock in the flow.
    """
    n_sup, n_q = sup.size, lo.size
    pi = -d.astype(np.float64) * w / _SCALE
    alpha = np.maximum(pi[n_sup + n_q] - pi[:n_sup], 0.0)
    phi = np.full(stock.size, np.inf)  # per unit, w km excluded
    phi[sup] = w * mu[sup] + alpha
    in_flow = np.full(n_q, np.inf)  # each pair's cheapest arc in the flow
    np.minimum.at(in_flow, arc_q, w * arc_km + phi[arc_s])
    lists, km_l = geo.cand_idx[pair_c], geo.cand_km[pair_c]
    cost_l = w * km_l + phi[lists]
    best = np.min(cost_l, axis=1, initial=np.inf)
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    _better(cost_l, lists, np.arange(n_q), in_flow, out_q, out_s)
    if _complete(geo):
        far = np.zeros(0, np.int64)
    elif km_l.shape[1]:  # off the list: at least the list's last km away
        far = np.flatnonzero(w * km_l[:, -1] * (1 - 1e-9) + phi[sup].min() < best)
    else:
        far = np.arange(n_q)
    chunk = max(1, CHUNK_CELLS // max(1, n_sup))
    for i in range(0, far.size, chunk):
        q = far[i:i + chunk]
        km = km_grid(geo.comm_xyz, geo.site_xyz, geo.matrix, geo.road_factor, pair_c[q], sup)
        cost_g = w * km + phi[sup][None, :]
        best[q] = np.minimum(best[q], cost_g.min(axis=1))
        _better(cost_g, np.broadcast_to(sup, cost_g.shape), q, in_flow, out_q, out_s)
    const = -float(alpha @ stock[sup])
    bound = pair_value(best - w * nu, lo, ub) + const
    if not out_q:
        return bound, np.zeros(0, np.int64), np.zeros(0, np.int64), best, const
    return bound, np.concatenate(out_q), np.concatenate(out_s), best, const


def pair_value(m: FloatArray, lo: FloatArray, ub: IntArray) -> float:
    """``sum_q m_q lo_q`` where ``m_q >= 0``, ``m_q ub_q`` elsewhere (0 where nothing is owed).

    Only the products that count are formed: a pair no stock can reach has ``m_q = inf``,
    and ``inf x 0`` (no floor) would be NaN.
    """
    pos = m >= 0
    value = np.zeros(m.shape)
    floor = pos & (lo > 0)
    value[floor] = m[floor] * lo[floor]
    value[~pos] = m[~pos] * ub[~pos]
    return float(value.sum())


def best_reward(parts: list[tuple[FloatArray, FloatArray, IntArray, float]], total: float
                ) -> float:
    """The reward per kg served that maximises ``sum_p sum_q value(price_q - w_p nu) + nu
    total`` over ``nu >= 0`` (``parts``: per product each pair's price, floor, demand, and
    kg per unit). The sum is concave and piecewise linear in ``nu``, with slope ``total -
    sum of w lo`` falling by ``w (ub - lo)`` at each pair's ``price / w``: the best ``nu``
    is where the slope turns negative."""
    brk = np.concatenate([pr / w for pr, _lo, _ub, w in parts])
    drop = np.concatenate([w * (ub - lo) for _pr, lo, ub, w in parts])
    finite = np.isfinite(brk)  # pairs no stock can reach never turn
    brk, drop = brk[finite], drop[finite]
    slope0 = total - sum(float(w * lo.sum()) for _pr, lo, _ub, w in parts)
    if slope0 <= 0 or brk.size == 0:
        return 0.0
    order = np.argsort(brk, kind="stable")
    after = slope0 - np.cumsum(drop[order])
    turn = int(np.searchsorted(-after, 0.0))  # first breakpoint where the slope is <= 0
    return float(max(0.0, brk[order][min(turn, brk.size - 1)]))


def _better(cost: FloatArray, sites: IntArray, rows: IntArray, in_flow: FloatArray,
            out_q: list[IntArray], out_s: list[IntArray]) -> None:
    """Append, per row (pair ``rows[i]``), the sites of at most ``PER_PAIR`` cheapest
    costs below the pair's cheapest arc in the flow."""
    if cost.shape[1]:
        gap = cost - in_flow[rows][:, None] + 1e-7 * (1.0 + np.abs(cost))
        take(gap, np.asarray(sites), rows, out_q, out_s)


def _complete(geo: Geo) -> bool:
    """Whether the nearest-site lists hold every site (nothing is off a list)."""
    return bool(geo.cand_idx.shape[1] >= geo.site_xyz.shape[0])
