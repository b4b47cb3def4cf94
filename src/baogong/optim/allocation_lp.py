"""The lexicographic allocation as two small linear programs solved with HiGHS.

Notation: ``s`` site, ``c`` community, ``p`` product, ``w_p`` kg per unit; stock, capacity and
demand are residual after the fixed flows; ``pri``/``reg`` residual priority/regular units,
``f_cp`` units already dispatched and ``d_cp`` total demand (for fill rates).

**Stages 1-3 need no arcs.** Any site may supply any community, so whether a vector of
served quantities is feasible depends only on the per-product totals leaving the sites. The
*aggregate* LP has one column ``y_sp`` per site and product (stock bounds, one kg-capacity
row per site), and per product ``A_p`` priority and ``B_p`` regular units served:

1. max sum w_p A_p                                     -> P*
2. max sum w_p (A_p + B_p), with sum w_p A_p >= P*      -> T*
3. max t, with the rows above and, per product, the exact condition for a fill rate ``t``
   being reachable by distributing ``A_p``/``B_p`` over communities. With
   ``n_c(t) = t d_cp - f_cp`` the per-community sets {(z, r): 0<=z<=pri, 0<=r<=reg,
   z+r >= n_c} have edge normals in a fixed set of five, so their Minkowski sum is
   ``A >= sum (n_c - reg_c)+, B >= sum (n_c - pri_c)+, A + B >= sum (n_c)+``: three convex
   piecewise-linear functions of ``t``, added as tangent cuts until none is violated
   (Kelley's method, a handful of warm-started re-solves)                    -> t*

**Stage 4 is the only one with arcs.** Columns ``x_scp`` for the nearest ``k`` sites holding
``p`` only, plus, per product, a *pool*: ``s -> pool_p`` at cost 0 for every site and
``pool_p -> c`` at cost ``w_p L_cp`` where ``L_cp`` is a lower bound on the distance to any
site left out for the pair. Every plan of the full problem maps onto this LP at no more
cost (an excluded arc becomes site -> pool -> community), so the LP is a relaxation; an
optimum that sends nothing through the pools is therefore optimal for the full problem.
Pairs that do use their pool get more arcs (double ``k``) and the LP is re-solved warm,
until no pool flow remains. Rows keep stages 1-3: served in ``[max(t* d - f, pri), d]``
(the priority floor when P* serves every priority unit; otherwise with explicit priority
columns), and total kg >= T*.

**Integer units.** See :mod:`baogong.optim.allocation_round` (a small MIP around the
fractional part, then top-ups); the gap to the LP bounds is reported.

**Large instances.** With ``method="network"`` (or ``auto`` beyond ``EXACT_CELLS``) stage 4
is one min-cost flow per product instead, see :mod:`baogong.optim.allocation_mcf`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from baogong.optim import allocation_mcf as mcf
from baogong.optim.allocation import (
    FloatArray,
    IntArray,
    Problem,
    Result,
    Summary,
    chord_km,
    km_grid,
)
from baogong.optim.allocation_agg import (
    _INF,
    Aggregate,
    _Clock,
    _highs,
    _Infeasible,
    _pass,
    _tol,
    solve_aggregate,
    stage4_rows,
)
from baogong.optim.allocation_arcs import Candidates
from baogong.optim.allocation_fair import Flows, reflow
from baogong.optim.allocation_round import round_flows
from baogong.optim.allocation_workers import FlowWorkers

# ------------------------------------------------------------------ stage 4: arcs


@dataclass
class _ArcPlan:
    """Real arcs per (community, product) pair, and the pool bound of each pair."""

    problem: Problem
    cand: Candidates
    usable: np.ndarray  # (S, P) site can ship product
    pair_c: IntArray
    pair_p: IntArray
    kk: IntArray = field(init=False)       # arcs included per pair
    bound: FloatArray = field(init=False)  # lower bound km of any site left out (inf: none)

    def initial(self, k: int) -> tuple[IntArray, IntArray, FloatArray]:
        """The first arcs: pair index, site, km."""
        n_pair = self.pair_c.size
        self.kk = np.zeros(n_pair, dtype=np.int64)
        self.bound = np.full(n_pair, np.inf)
        cand = self.cand
        out_pair, out_site, out_km = [], [], []
        if cand.idx.shape[1] == 0:
            return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        for p in np.unique(self.pair_p):
            pairs = np.flatnonzero(self.pair_p == p)
            cs = self.pair_c[pairs]
            sites = cand.idx[cs]
            ok = self.usable[sites, p]
            rank = np.cumsum(ok, axis=1)
            chosen = ok & (rank <= k)
            rows, cols = np.nonzero(chosen)
            out_pair.append(pairs[rows])
            out_site.append(sites[rows, cols])
            out_km.append(cand.km[cs[rows], cols])
            self.kk[pairs] = np.minimum(rank[:, -1], k)
            nxt = ok & (rank == k + 1)
            has_next = nxt.any(axis=1)
            first = np.argmax(nxt, axis=1)
            self.bound[pairs] = np.where(has_next, cand.km[cs, first], cand.bound_km[cs])
        if not out_pair:
            return (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        return (np.concatenate(out_pair), np.concatenate(out_site), np.concatenate(out_km))


def _max_km(problem: Problem) -> float:
    """An upper bound on any distance of the problem."""
    a = problem.arrays
    if a.matrix is not None:
        return float(a.matrix.max()) if a.matrix.size else 0.0
    pts = np.vstack([a.site_xyz, a.comm_xyz])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    chord = min(2.0, float(np.linalg.norm(hi - lo)))
    return float(chord_km(np.array([chord]))[0]) * problem.options.road_factor


def _price(problem: Problem, plan: _ArcPlan, alpha: FloatArray, beta: FloatArray,
           ys: IntArray, yp: IntArray, per_pair: int = 4, eps: float = 1e-7
           ) -> tuple[IntArray, IntArray]:
    """Arcs of negative reduced cost among those left out: (pair, site).

    An arc s -> pair (c, p) prices in when ``km_sc + alpha_sp < beta_cp``. Sites left out of
    a pair are at least ``bound_cp`` away, so only pairs with ``beta - min alpha > bound``
    are scanned, against every usable site of the product (in chunks).
    """
    a = problem.arrays
    out_p: list[IntArray] = []
    out_s: list[IntArray] = []
    for p in np.unique(plan.pair_p).tolist():
        sites = ys[yp == p]
        if sites.size == 0:
            continue
        al = alpha[sites, p]
        qs = np.flatnonzero(plan.pair_p == p)
        slack = beta[qs] - al.min() - plan.bound[qs]
        qs = qs[slack > eps * (1.0 + np.abs(beta[qs]))]
        if qs.size == 0:
            continue
        m = min(per_pair, sites.size)
        chunk = max(1, 4_000_000 // sites.size)
        for lo in range(0, qs.size, chunk):
            q = qs[lo:lo + chunk]
            c = plan.pair_c[q]
            km = km_grid(a.comm_xyz, a.site_xyz, a.matrix, problem.options.road_factor, c,
                         sites)
            rc = km + al[None, :] - beta[q][:, None]
            part = (np.argpartition(rc, m - 1, axis=1)[:, :m] if m < sites.size
                    else np.broadcast_to(np.arange(sites.size), rc.shape))
            val = np.take_along_axis(rc, part, axis=1)
            neg = val < -eps * (1.0 + np.abs(beta[q]))[:, None]
            rows, cols = np.nonzero(neg)
            out_p.append(q[rows])
            out_s.append(sites[part[rows, cols]])
    if not out_p:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_s)


@dataclass
class Transport:
    """Stage-4 LP solution: arc flows (fractional) and the LP objective."""

    arc_pair: IntArray
    arc_site: IntArray
    arc_km: FloatArray
    x: FloatArray
    kg_km: float
    rounds: int
    pair_c: IntArray
    pair_p: IntArray
    cand: Candidates | None = None


def solve_transport(problem: Problem, agg: Aggregate, clock: _Clock, slack: float = 1e-6,
                    seed: tuple[IntArray, IntArray, IntArray] | None = None) -> Transport:
    """Stage 4: min kg x km keeping stages 1-3, on near arcs plus priced pools.

    ``slack`` loosens the kept stage values (fill rate by ``slack``, kg by ``slack`` relative)
    so that solver tolerances in stages 1-3 cannot make stage 4 infeasible. ``seed`` (site,
    community, product arrays, e.g. a plan's flows) adds arcs to the first LP; pricing proves
    the optimum all the same.
    """
    a = problem.arrays
    n_s, n_p = a.stock.shape
    w = a.w
    cand = Candidates(problem)
    usable = (a.stock > 0) & (a.active & (a.cap > 0))[:, None]
    need = a.pri + a.reg
    pair_c, pair_p = np.nonzero(need > 0)
    n_pair = pair_c.size
    plan = _ArcPlan(problem, cand, usable, pair_c, pair_p)
    arc_pair, arc_site, arc_km = plan.initial(problem.options.nearest_k)
    if seed is not None and seed[0].size:
        pair_of = np.full(a.demand.shape, -1, dtype=np.int64)
        pair_of[pair_c, pair_p] = np.arange(pair_c.size)
        s_site, s_comm, s_prod = seed
        s_pair = pair_of[s_comm, s_prod]
        ok = (s_pair >= 0) & usable[s_site, s_prod]
        key = np.concatenate([arc_pair * n_s + arc_site, s_pair[ok] * n_s + s_site[ok]])
        _, first = np.unique(key, return_index=True)
        arc_pair = np.concatenate([arc_pair, s_pair[ok]])[first]
        arc_site = np.concatenate([arc_site, s_site[ok]])[first]
        arc_km = np.concatenate([arc_km, problem.km(s_site[ok], s_comm[ok])])[first]
    empty = Transport(arc_pair[:0], arc_site[:0], arc_km[:0], np.zeros(0), 0.0, 0, pair_c,
                      pair_p, cand)
    if n_pair == 0 or agg.served_kg <= 0:
        return empty
    # --- rows
    ys, yp = np.nonzero(usable)
    n_y = ys.size
    stock_row = np.full((n_s, n_p), -1, dtype=np.int64)
    stock_row[ys, yp] = np.arange(n_y)
    kg_sites = np.unique(ys)
    kg_row = np.full(n_s, -1, dtype=np.int64)
    kg_row[kg_sites] = n_y + np.arange(kg_sites.size)
    served0 = n_y + kg_sites.size
    general = not agg.all_priority
    link_pairs = np.flatnonzero(a.pri[pair_c, pair_p] > 0) if general else np.zeros(0, np.int64)
    link_row = np.full(n_pair, -1, dtype=np.int64)
    link0 = served0 + n_pair
    link_row[link_pairs] = link0 + np.arange(link_pairs.size)
    bal0 = link0 + link_pairs.size
    total_row = bal0 + n_p
    pri_row = total_row + 1
    n_row = pri_row + (1 if general else 0)
    floor, total = stage4_rows(problem, agg, slack)
    lb = floor[pair_c, pair_p]
    ub = need[pair_c, pair_p].astype(np.float64)
    row_lo = np.concatenate([np.full(n_y, -_INF), np.zeros(kg_sites.size), lb,
                             np.full(link_pairs.size, -_INF), np.zeros(n_p), [total],
                             [agg.priority_kg * (1 - slack) - _tol(agg.priority_kg)]
                             if general else []])
    row_hi = np.concatenate([a.stock[ys, yp].astype(np.float64), np.zeros(kg_sites.size), ub,
                             np.zeros(link_pairs.size), np.zeros(n_p), [_INF],
                             [_INF] if general else []])
    assert row_lo.size == n_row

    def arc_columns(pair: IntArray, site: IntArray, km: FloatArray
                    ) -> tuple[FloatArray, IntArray, IntArray, FloatArray]:
        p = pair_p[pair]
        rows = [stock_row[site, p], kg_row[site], served0 + pair]
        vals = [np.ones(pair.size), w[p], np.ones(pair.size)]
        if general:
            lk = link_row[pair]
            has = lk >= 0
            # pad with a zero entry on the link row of pairs without one: keep 4 per column
            rows.append(np.where(has, lk, served0 + pair))
            vals.append(np.where(has, -1.0, 0.0))
        r = np.stack(rows, axis=1)
        v = np.stack(vals, axis=1)
        if general:
            keep = v != 0
            keep[:, :3] = True
            counts = keep.sum(axis=1)
            start = np.concatenate([[0], np.cumsum(counts)])
            return w[p] * km, start, r[keep], v[keep]
        start = np.arange(0, 3 * pair.size + 1, 3)
        return w[p] * km, start, r.ravel(), v.ravel()

    cost_x, start_x, idx_x, val_x = arc_columns(arc_pair, arc_site, arc_km)
    n_x = arc_pair.size
    # pool-in y_sp
    idx_y = np.stack([stock_row[ys, yp], kg_row[ys], bal0 + yp], axis=1).ravel()
    val_y = np.stack([np.ones(n_y), w[yp], np.ones(n_y)], axis=1).ravel()
    # pool-out u_cp (pairs with a bound); rows: served, [link], balance
    pool_pairs = np.flatnonzero(np.isfinite(plan.bound))
    pool_col = np.full(n_pair, -1, dtype=np.int64)
    u_rows = [served0 + pool_pairs]
    u_vals = [np.ones(pool_pairs.size)]
    if general:
        lk = link_row[pool_pairs]
        u_rows.append(np.where(lk >= 0, lk, -1))
        u_vals.append(np.where(lk >= 0, -1.0, 0.0))
    u_rows.append(bal0 + pair_p[pool_pairs])
    u_vals.append(-np.ones(pool_pairs.size))
    ur, uv = np.stack(u_rows, axis=1), np.stack(u_vals, axis=1)
    ukeep = uv != 0
    u_start = np.concatenate([[0], np.cumsum(ukeep.sum(axis=1))])
    # K_s kg shipped: kg row -1, total row +1
    n_k = kg_sites.size
    idx_k = np.stack([kg_row[kg_sites], np.full(n_k, total_row)], axis=1).ravel()
    val_k = np.tile([-1.0, 1.0], n_k)
    # z_cp priority served (general case): link row +1, priority row w_p
    idx_z = (np.stack([link_row[link_pairs], np.full(link_pairs.size, pri_row)], axis=1).ravel()
             if general else np.zeros(0, np.int64))
    val_z = (np.stack([np.ones(link_pairs.size), w[pair_p[link_pairs]]], axis=1).ravel()
             if general else np.zeros(0))
    col0_y = n_x
    col0_u = col0_y + n_y
    pool_col[pool_pairs] = col0_u + np.arange(pool_pairs.size)
    col0_k = col0_u + pool_pairs.size
    col0_z = col0_k + n_k
    n_col = col0_z + link_pairs.size
    starts = [start_x[:-1],
              start_x[-1] + np.arange(0, 3 * n_y, 3),
              start_x[-1] + 3 * n_y + u_start[:-1],
              start_x[-1] + 3 * n_y + u_start[-1] + np.arange(0, 2 * n_k, 2),
              start_x[-1] + 3 * n_y + u_start[-1] + 2 * n_k + np.arange(0, 2 * link_pairs.size,
                                                                        2)]
    index = np.concatenate([idx_x, idx_y, ur[ukeep], idx_k, idx_z]).astype(np.int32)
    value = np.concatenate([val_x, val_y, uv[ukeep], val_k, val_z])
    start = np.concatenate([*starts, [index.size]]).astype(np.int32)
    big_km = 2.0 * _max_km(problem) + 1.0
    cost = np.concatenate([cost_x, np.zeros(n_y), w[pair_p[pool_pairs]] * big_km,
                           np.zeros(n_k), np.zeros(link_pairs.size)])
    lower = np.zeros(n_col)
    upper = np.concatenate([np.full(n_x, _INF), a.stock[ys, yp].astype(np.float64),
                            ub[pool_pairs], a.cap[kg_sites],
                            a.pri[pair_c[link_pairs], pair_p[link_pairs]].astype(np.float64)])
    h = _highs(problem.options.time_limit_s)
    _pass(h, cost, lower, upper, row_lo, row_hi, start, index, value, maximize=False)
    arcs_p, arcs_s, arcs_km = [arc_pair], [arc_site], [arc_km]
    keys = np.sort(arc_pair * n_s + arc_site)
    rounds = 0
    while True:
        clock.run(h)
        sol = h.getSolution()
        dual = np.asarray(sol.row_dual)
        # per-kg price of each site and product: alpha = -(pi_sp + w_p mu_s) / w_p
        alpha = np.full((n_s, n_p), np.inf)
        alpha[ys, yp] = -(dual[stock_row[ys, yp]] + w[yp] * dual[kg_row[ys]]) / w[yp]
        beta = dual[served0 + np.arange(n_pair)]
        if general:
            has_link = link_row >= 0
            beta[has_link] -= dual[link_row[has_link]]
        beta = beta / w[pair_p]
        new_pair, new_site = _price(problem, plan, alpha, beta, ys, yp)
        if new_pair.size:
            new_key, first = np.unique(new_pair * n_s + new_site, return_index=True)
            fresh = ~np.isin(new_key, keys, assume_unique=True)
            sel = first[fresh]
            new_pair, new_site = new_pair[sel], new_site[sel]
            keys = np.union1d(keys, new_key[fresh])
        if new_pair.size == 0:
            break
        rounds += 1
        new_km = problem.km(new_site, pair_c[new_pair])
        c_cost, c_start, c_idx, c_val = arc_columns(new_pair, new_site, new_km)
        h.addCols(new_pair.size, c_cost, np.zeros(new_pair.size), np.full(new_pair.size, _INF),
                  c_idx.size, c_start[:-1].astype(np.int32), c_idx.astype(np.int32), c_val)
        arcs_p.append(new_pair)
        arcs_s.append(new_site)
        arcs_km.append(new_km)
    sol_x = np.asarray(sol.col_value)
    u = sol_x[pool_col[pool_pairs]]
    if np.any(u > 1e-6):
        raise RuntimeError("allocation: pool flow left after pricing (numerical trouble)")
    all_pair = np.concatenate(arcs_p)
    n_arc = all_pair.size
    x_all = np.concatenate([sol_x[:n_x], sol_x[n_col:n_col + n_arc - n_x]])
    return Transport(all_pair, np.concatenate(arcs_s), np.concatenate(arcs_km), x_all,
                     float(h.getInfo().objective_function_value), rounds, pair_c, pair_p, cand)


# ------------------------------------------------------------------ integer plan


#: Largest (pairs x usable sites) solved with the exact joint LP under ``method="auto"``.
EXACT_CELLS = 400_000
#: Between these many cells the exact LP starts from the network plan's arcs (see
#: :func:`solve_lexicographic`): below, the worker start-up costs more than it saves; above,
#: HiGHS takes longer over the seeded first LP than pricing does without it (measured on the
#: benchmark's instances: 0.9 -> 1.0 s at 89,000 cells, 6.3 -> 4.5 s at 606,000, 12.2 ->
#: 15.7 s at 1.5 million).
SEED_CELLS = 50_000
SEED_MAX_CELLS = 1_000_000


def solve_lexicographic(problem: Problem) -> Result:
    """Stages 1-3 exactly (aggregate LP), stage 4 by joint LP or per-product flows.

    The exact LP of an instance of ``SEED_CELLS`` to ``SEED_MAX_CELLS`` cells is seeded with
    the arcs of the network plan (per-product flows, a second or so): with a near-optimal
    support from the start, pricing needs fewer rounds (the demo's day: 2.0 s instead of
    8.5 s, same optimum).
    """
    t0 = time.perf_counter()
    clock = _Clock()
    a = problem.arrays
    method = problem.options.method
    n_pair = int(np.count_nonzero(a.pri + a.reg))
    n_site = int(np.count_nonzero(a.active & (a.cap > 0)))
    if method == "auto":
        method = "exact" if n_pair * n_site <= EXACT_CELLS else "network"
    extra: dict[str, float] = {}
    fair: Flows | None = None
    if method == "exact":
        seed = None
        if SEED_CELLS <= n_pair * n_site <= SEED_MAX_CELLS:
            agg, net, _rounds, _proven, _prices = _network(problem, clock)
            seed = net[:3]
        else:
            agg = solve_aggregate(problem, clock)
        for slack in (1e-9, 1e-6, 1e-3, 1e-1):
            try:
                tr = solve_transport(problem, agg, clock, slack, seed=seed)
                break
            except _Infeasible:
                if slack == 1e-1:
                    raise
        from baogong.optim import allocation_round

        allocation_round.MIP_S[0] = 0.0
        xi, (e_pair, e_site, e_qty, e_km) = round_flows(problem, tr)
        clock.solver_s += allocation_round.MIP_S[0]
        keep = xi > 0
        site = np.concatenate([tr.arc_site[keep], e_site])
        pairs = np.concatenate([tr.arc_pair[keep], e_pair])
        comm, prod = tr.pair_c[pairs], tr.pair_p[pairs]
        qty, km = np.concatenate([xi[keep], e_qty]), np.concatenate([tr.arc_km[keep], e_km])
        extra.update(lp_kg_km=tr.kg_km, arcs=int(tr.arc_pair.size), arc_rounds=tr.rounds)
        fair = reflow(problem, agg, clock, (site, comm, prod, qty, km),
                      (tr.arc_site, tr.pair_c[tr.arc_pair], tr.pair_p[tr.arc_pair], tr.arc_km))
    else:
        agg, (site, comm, prod, qty, km), rounds, proven, prices = _network(problem, clock)
        extra.update(arc_rounds=rounds, proven_products=proven)
    fixed_kg_km = float((problem.km(a.fixed_site, a.fixed_comm) * a.w[a.fixed_prod]
                         * np.array([f.quantity for f in problem.fixed_flows])).sum()
                        ) if a.fixed_site.size else 0.0
    if "lp_kg_km" in extra:
        extra["lp_kg_km"] += fixed_kg_km
    extra.update(
        lp_priority_kg=agg.priority_kg + float((a.fixed_pri.sum(axis=0) * a.w).sum()),
        lp_served_kg=agg.served_kg + float((a.fixed_q.sum(axis=0) * a.w).sum()),
        lp_min_fill_rate=agg.min_fill, solver_s=clock.solver_s, solver_calls=clock.calls)
    result = assemble(problem, site, comm, prod, qty, km, t0, extra=extra)
    if fair is not None:  # the exact method: keep the better of the two roundings
        other = assemble(problem, *fair, t0, extra=extra)
        if better(other.summary, result.summary):
            result = other
        else:  # its time counts all the same
            result = replace(result, summary=replace(result.summary,
                                                     solve_s=other.summary.solve_s))
    if method == "network" and problem.options.kgkm_bound:
        from baogong.optim.allocation_bound import timed_bound

        bound, secs = timed_bound(problem, agg, prices, seed=(site, comm, prod))
        result = replace(result, summary=replace(result.summary, lp_kg_km=bound + fixed_kg_km,
                                                 bound_s=secs))
    return result


Prices = tuple[FloatArray, float]  # rent per kg of site capacity, reward per kg served


def _split(problem: Problem, clock: _Clock
           ) -> tuple[Aggregate, FloatArray | None, Prices | None]:
    """Stages 1-3 and the site supplies the flows start from, with the zone LP's prices.

    The zone LP's supplies (see :mod:`allocation_bound`) when every priority unit can be
    served (it has no priority row), it is small enough (``SPLIT_CELLS``) and its slack
    columns carry nothing; otherwise those of the aggregate LP's locality proxy, and no
    prices.
    """
    from baogong.optim.allocation_bound import SPLIT_CELLS, zone_cells, zone_lp

    if zone_cells(problem) <= SPLIT_CELLS:
        agg = solve_aggregate(problem, clock)
        if agg.all_priority and agg.served_kg > 0:
            zone = zone_lp(problem, agg, clock)
            if zone.short_kg <= 1e-6 * agg.served_kg:
                return agg, zone.supply, (zone.mu, zone.nu)
    agg = solve_aggregate(problem, clock, site_km=mcf.site_proxy_km(problem))
    return agg, agg.supply, None


def _network(problem: Problem, clock: _Clock
             ) -> tuple[Aggregate, Flows, int, int, Prices | None]:
    """Stages 1-3 and the per-product flows: the aggregate, the flows, the most re-solve
    rounds of any product, how many products' flows are proven optimal, and the zone LP's
    prices (when its supplies were used)."""
    a = problem.arrays
    # The flow workers start first: their start-up overlaps the aggregate LP below.
    # When forked, they also build their distance lists meanwhile.
    workers = FlowWorkers(problem)
    try:
        agg, split, prices = _split(problem, clock)
        supply = (mcf.integer_supply(problem, split) if split is not None
                  else np.zeros_like(a.stock))
        bounds = mcf.supply_bounds(problem, supply)
        jobs: list[mcf.Job] = []
        for p in range(a.stock.shape[1]):
            units = int(supply[:, p].sum())
            comm_p, lb, ub = mcf.pair_bounds(problem, agg.min_fill, agg.all_priority, p, units)
            jobs.append((p, bounds[:, p].copy(), lb, ub, comm_p, problem.options.nearest_k,
                         units))
        outs = workers.run(jobs)
    finally:
        workers.close()
    parts: list[tuple[IntArray, IntArray, IntArray, FloatArray, IntArray]] = []
    rounds = proven = 0
    for (p, *_rest), (c, s, q, k, calls, r, ok, secs) in zip(jobs, outs, strict=True):
        proven += int(ok)
        clock.solver_s += secs
        clock.calls += calls
        rounds = max(rounds, r)
        parts.append((c, s, q, k, np.full(c.size, p, dtype=np.int64)))
    comm = np.concatenate([x[0] for x in parts])
    site = np.concatenate([x[1] for x in parts])
    qty = np.concatenate([x[2] for x in parts])
    km = np.concatenate([x[3] for x in parts])
    prod = np.concatenate([x[4] for x in parts])
    return agg, (site, comm, prod, qty, km), rounds, proven, prices


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


def assemble(problem: Problem, site: IntArray, comm: IntArray, prod: IntArray, qty: IntArray,
             km: FloatArray, t0: float, extra: dict[str, float] | None = None) -> Result:
    """Build a Result from new integer flows: fixed flows added, priority labels, summary.

    Priority units go to the nearest flows of each pair first.
    """
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
