"""The exact method: the lexicographic allocation as two small LPs solved with HiGHS.

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

**Integer units.** See :mod:`baogong.optim.allocation.rounding` (a small MIP around the
fractional part, then top-ups); the gap to the LP bounds is reported.

**Large instances.** With ``method="network"`` (or ``auto`` beyond ``EXACT_CELLS``) stage 4
is one min-cost flow per product instead, see :mod:`baogong.optim.allocation.network`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from baogong.optim.allocation.aggregate import Aggregate, stage4_rows
from baogong.optim.allocation.arcs import Candidates
from baogong.optim.allocation.geometry import FloatArray, IntArray, chord_km, km_grid
from baogong.optim.allocation.highs import INF, Clock, new_highs, pass_model, tol
from baogong.optim.allocation.model import Problem

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


def solve_transport(problem: Problem, agg: Aggregate, clock: Clock, slack: float = 1e-6,
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
    row_lo = np.concatenate([np.full(n_y, -INF), np.zeros(kg_sites.size), lb,
                             np.full(link_pairs.size, -INF), np.zeros(n_p), [total],
                             [agg.priority_kg * (1 - slack) - tol(agg.priority_kg)]
                             if general else []])
    row_hi = np.concatenate([a.stock[ys, yp].astype(np.float64), np.zeros(kg_sites.size), ub,
                             np.zeros(link_pairs.size), np.zeros(n_p), [INF],
                             [INF] if general else []])
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
    upper = np.concatenate([np.full(n_x, INF), a.stock[ys, yp].astype(np.float64),
                            ub[pool_pairs], a.cap[kg_sites],
                            a.pri[pair_c[link_pairs], pair_p[link_pairs]].astype(np.float64)])
    h = new_highs(problem.options.time_limit_s)
    pass_model(h, cost, lower, upper, row_lo, row_hi, start, index, value, maximize=False)
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
        h.addCols(new_pair.size, c_cost, np.zeros(new_pair.size), np.full(new_pair.size, INF),
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
