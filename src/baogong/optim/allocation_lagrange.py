"""One product's Lagrangian subproblem of stage 4, with a bound that holds over every arc.

The stage-4 LP (see :mod:`allocation_lp`) couples the products only through the sites'
shared kg capacity and the total-kg row. Priced out with a rent ``mu_s`` per kg of capacity
and a reward ``nu`` per kg served, it falls apart into one transport problem per product:

    V_p = min sum w_p (km_sc + mu_s - nu) x_sc
          s.t. sum_c x_sc <= stock_sp,  lo_c <= sum_s x_sc <= ub_c,  x >= 0

and ``sum_p V_p - sum_s mu_s cap_s + nu T`` is a lower bound on the stage-4 LP for *any*
``mu, nu >= 0`` (weak duality; equal to it at the LP's own duals). This module solves
``V_p`` as an integer min-cost flow (OR-Tools, in a flow worker) and turns the flow's node
potentials into a *certified* lower bound: for node prices ``pi`` of the product's
transport LP (source -> site -> pair -> sink, every variable boxed), ``sum_v pi_v b_v +
sum_a min(0, c_a - pi_tail + pi_head) u_a`` is a lower bound on ``V_p`` whatever ``pi`` is,
so the rounding of costs to integers and the fractional floors cost nothing in validity,
and arcs left out of the flow are covered by adding their negative reduced costs (sites off
a pair's nearest-site list are at least the list's last km away, so only pairs that could
have one are measured against every site).
"""

from __future__ import annotations

import time

import numpy as np

from baogong.optim import allocation_mcf as mcf
from baogong.optim.allocation import FloatArray, IntArray, km_grid

#: Integer cost units per kg x km in the flow (1 m).
_SCALE = 1000.0
#: Pricing rounds that add arcs of negative reduced cost before the bound is taken
#: (products of at most ``mcf._WIDE_CELLS`` cells; larger ones only add the correction).
_ROUNDS = 4

#: ("lagrange", p, stock per site, floor per pair (fractional), communities, demand per
#: pair, rent per kg per site, reward per kg, kg per unit, nearest k)
Job = tuple[str, int, IntArray, FloatArray, IntArray, IntArray, FloatArray, float, float, int]
#: bound on V_p (kg x km), units per site in the flow, solver calls, solver seconds
Out = tuple[float, IntArray, int, float]


def solve_job(geo: mcf.Geo, job: Job, by_site: IntArray | None = None) -> Out:
    """Solve one product's subproblem; return its certified lower bound and its loads."""
    _kind, _p, stock, lo, pair_c, ub, mu, nu, w, k = job
    n_s = stock.size
    sup = np.flatnonzero(stock > 0)
    lo_int = np.minimum(np.ceil(lo - 1e-9).astype(np.int64), ub)
    if pair_c.size == 0:
        return 0.0, np.zeros(n_s, np.int64), 0, 0.0
    if sup.size == 0:  # nothing to ship: the floors cannot be met, no finite bound
        return (0.0 if not lo.any() else np.inf), np.zeros(n_s, np.int64), 0, 0.0
    arc_q, arc_s, arc_km = mcf.product_arcs(geo, stock, pair_c, ub, k, by_site)
    wide = pair_c.size * sup.size <= mcf._WIDE_CELLS
    calls, secs = 0, 0.0
    for rnd in range(_ROUNDS + 1):
        flow, d, t = _flow(stock, sup, lo_int, ub, arc_q, arc_s, arc_km, mu, nu)
        calls, secs = calls + 1, secs + t
        bound, extra = _bound(geo, stock, sup, lo, ub, pair_c, arc_q, arc_s, arc_km, mu, nu, w,
                              d, add=wide and rnd < _ROUNDS)
        if extra is None or extra[0].size == 0:
            break
        arc_q = np.concatenate([arc_q, extra[0]])
        arc_s = np.concatenate([arc_s, extra[1]])
        arc_km = np.concatenate([arc_km, geo.km(extra[1], pair_c[extra[0]])])
    load = np.zeros(n_s, np.int64)
    np.add.at(load, arc_s, flow)
    return bound, load, calls, secs


def _flow(stock: IntArray, sup: IntArray, lo: IntArray, ub: IntArray, arc_q: IntArray,
          arc_s: IntArray, arc_km: FloatArray, mu: FloatArray, nu: float
          ) -> tuple[IntArray, IntArray, float]:
    """The integer flow on the arcs: arc flows, node potentials (nodes: sites ``sup``, pairs,
    source, sink), solver seconds. A source -> pair arc per pair, dearer than any route,
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
    d = mcf.potentials(supplies.size, tails, heads, caps, costs, flows)
    if d is None:
        raise RuntimeError("min-cost flow: no optimal potentials")
    return flows[n_sup:n_sup + arc_q.size], d, secs


def _bound(geo: mcf.Geo, stock: IntArray, sup: IntArray, lo: FloatArray, ub: IntArray,
           pair_c: IntArray, arc_q: IntArray, arc_s: IntArray, arc_km: FloatArray,
           mu: FloatArray, nu: float, w: float, d: IntArray, add: bool
           ) -> tuple[float, tuple[IntArray, IntArray] | None]:
    """Certified lower bound on ``V_p`` from the potentials ``d`` (kg x km), and with
    ``add`` the arcs left out with a negative reduced cost (at most 8 per pair).

    Prices per unit: ``pi = -d w / _SCALE``. The LP: source (supply S = total stock) ->
    site (<= stock) -> pair (<= min(stock, ub)) -> sink (<= ub - lo; the pair keeps ``lo``),
    source -> sink (<= S) for stock left; every arc's reduced cost at these prices enters
    with its capacity where it is negative.
    """
    n_sup, n_q = sup.size, lo.size
    pi = -d.astype(np.float64) * w / _SCALE
    pi_site = np.full(stock.size, np.nan)
    pi_site[sup] = pi[:n_sup]
    pi_q = pi[n_sup:n_sup + n_q]
    pi_src, pi_sink = pi[n_sup + n_q], pi[n_sup + n_q + 1]
    s_tot = float(stock[sup].sum())
    val = pi_src * s_tot - float(pi_q @ lo) - pi_sink * (s_tot - float(lo.sum()))
    st = stock[sup].astype(np.float64)
    val += float(np.minimum(0.0, -pi_src + pi[:n_sup]) @ st)          # source -> site
    val += float(np.minimum(0.0, -pi_q + pi_sink) @ (ub - lo))         # pair -> sink
    val += min(0.0, -pi_src + pi_sink) * s_tot                         # source -> sink
    # site -> pair, in the flow
    rc = w * (arc_km + mu[arc_s] - nu) - pi_site[arc_s] + pi_q[arc_q]
    cap = np.minimum(stock[arc_s], ub[arc_q]).astype(np.float64)
    val += float(np.minimum(rc, 0.0) @ cap)
    # site -> pair, left out: on the lists, then (where the list's end cannot rule it out)
    # against every supplying site
    in_flow = arc_q * stock.size + arc_s
    lists = geo.cand_idx[pair_c]
    km_l = geo.cand_km[pair_c]
    base = w * (mu[sup] - nu) - pi[:n_sup]  # per site: rc = w km + base_s + pi_q
    floor_rc = w * (km_l[:, -1] if km_l.shape[1] else np.zeros(n_q)) + base.min() + pi_q
    far = np.flatnonzero(floor_rc < 0) if km_l.shape[1] and not _complete(geo) else (
        np.arange(n_q) if not km_l.shape[1] else np.zeros(0, np.int64))
    near = np.setdiff1d(np.arange(n_q), far, assume_unique=True)
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    if near.size and km_l.shape[1]:
        s_l = lists[near]
        ok = stock[s_l] > 0
        qq = np.broadcast_to(near[:, None], s_l.shape)
        key = qq * stock.size + s_l
        ok &= ~np.isin(key, in_flow)
        rc_l = np.where(ok, w * (km_l[near] + mu[s_l] - nu) - np.nan_to_num(pi_site[s_l])
                        + pi_q[near, None], 0.0)
        capl = np.minimum(stock[s_l], ub[near, None])
        val += float((np.minimum(rc_l, 0.0) * capl).sum())
        if add:
            mcf._take(rc_l, s_l, near, out_q, out_s)
    chunk = max(1, mcf._CHUNK_CELLS // max(1, n_sup))
    for lo_i in range(0, far.size, chunk):
        q = far[lo_i:lo_i + chunk]
        km = km_grid(geo.comm_xyz, geo.site_xyz, geo.matrix, geo.road_factor, pair_c[q], sup)
        rc_g = w * km + base[None, :] + pi_q[q, None]
        key = q[:, None] * stock.size + sup[None, :]
        rc_g = np.where(np.isin(key, in_flow), 0.0, rc_g)
        capg = np.minimum(stock[sup][None, :], ub[q, None])
        val += float((np.minimum(rc_g, 0.0) * capg).sum())
        if add:
            mcf._take(rc_g, np.broadcast_to(sup, rc_g.shape), q, out_q, out_s)
    extra = None
    if add:
        extra = ((np.concatenate(out_q), np.concatenate(out_s)) if out_q
                 else (np.zeros(0, np.int64), np.zeros(0, np.int64)))
    return val, extra


def _complete(geo: mcf.Geo) -> bool:
    """Whether the nearest-site lists hold every site (nothing is off a list)."""
    return bool(geo.cand_idx.shape[1] >= geo.site_xyz.shape[0])
