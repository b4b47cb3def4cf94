"""Integer units from the stage-4 LP: a small MIP around the fractional part, then top-ups.

The stage-4 vertex is integral except around a few coupling rows (shared kg capacity with
products of different unit weights). Arcs at sites with a fractional arc, and arcs of pairs
with one, are re-decided by a HiGHS MIP, each between 0 and its LP flow rounded up (LP
support only, so routes stay the LP's; everything else is kept), with the stage order as
weights: priority kg, then kg, then each pair's LP share (soft), then km.
Then pairs still short are topped up unit by unit from whatever stock and capacity is left.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.exact import Transport
from baogong.optim.allocation.geometry import FloatArray, IntArray
from baogong.optim.allocation.highs import INF, pass_model
from baogong.optim.allocation.model import Problem

MIP_TIME_LIMIT_S = 0.5
"""Seconds the rounding MIP may take; past it, its best integer solution so far is used."""

#: Largest number of arcs re-decided by the MIP: up to a fifth of it, every arc at a site
#: with a fractional arc too; beyond, only the fractional pairs' arcs; beyond, no MIP.
MIP_ARCS = 2_000


def _mip_repair(problem: Problem, tr: Transport, free: np.ndarray, xi: IntArray) -> None:
    """Re-decide the ``free`` arcs as integers (in place in ``xi``)."""
    a = problem.arrays
    w = a.w
    arc_p = tr.pair_p[tr.arc_pair]
    fixed = ~free
    stock = a.stock.copy()
    stock[~a.active] = 0
    np.subtract.at(stock, (tr.arc_site[fixed], arc_p[fixed]), xi[fixed])
    cap = a.cap.copy()
    np.subtract.at(cap, tr.arc_site[fixed], xi[fixed] * w[arc_p[fixed]])
    n_pair = tr.pair_c.size
    got_fixed = np.zeros(n_pair, dtype=np.int64)
    np.add.at(got_fixed, tr.arc_pair[fixed], xi[fixed])
    idx = np.flatnonzero(free)
    qs, q_of = np.unique(tr.arc_pair[idx], return_inverse=True)
    q_of = q_of.ravel()
    sp_key = tr.arc_site[idx] * w.size + arc_p[idx]
    sps, sp_of = np.unique(sp_key, return_inverse=True)
    sp_of = sp_of.ravel()
    ss, s_of = np.unique(tr.arc_site[idx], return_inverse=True)
    s_of = s_of.ravel()
    n_x, n_q, n_sp, n_s = idx.size, qs.size, sps.size, ss.size
    need = (a.pri + a.reg)[tr.pair_c[qs], tr.pair_p[qs]] - got_fixed[qs]
    pri_left = np.maximum(a.pri[tr.pair_c[qs], tr.pair_p[qs]] - got_fixed[qs], 0)
    lp_q = np.zeros(n_q)
    np.add.at(lp_q, q_of, tr.x[idx])
    floor_q = np.minimum(np.round(lp_q), np.maximum(need, 0))  # the LP's share, in units
    wq = w[tr.pair_p[qs]]
    wx = w[arc_p[idx]]
    km_scale = 1e-3 / (float(tr.arc_km[idx].max(initial=0.0)) + 1.0)
    # columns: x (integer), z (priority served), u (floor shortfall)
    # rows: stock (sp), capacity (s), demand (q), link z <= x (q), floor x + u >= floor (q)
    r_stock, r_cap, r_dem = 0, n_sp, n_sp + n_s
    r_link, r_floor = r_dem + n_q, r_dem + 2 * n_q
    x_rows = np.stack([r_stock + sp_of, r_cap + s_of, r_dem + q_of, r_link + q_of,
                       r_floor + q_of], axis=1)
    x_vals = np.stack([np.ones(n_x), wx, np.ones(n_x), -np.ones(n_x), np.ones(n_x)], axis=1)
    index = np.concatenate([x_rows.ravel(), r_link + np.arange(n_q), r_floor + np.arange(n_q)])
    value = np.concatenate([x_vals.ravel(), np.ones(n_q), np.ones(n_q)])
    start = np.concatenate([np.arange(0, 5 * n_x, 5), 5 * n_x + np.arange(2 * n_q),
                            [5 * n_x + 2 * n_q]])
    cost = np.concatenate([wx * (1e3 - tr.arc_km[idx] * km_scale), wq * 1e6, -wq])
    lower = np.zeros(n_x + 2 * n_q)
    # each arc between 0 and its LP flow rounded up: the MIP may drop units, not reroute
    x_up = np.minimum(np.ceil(tr.x[idx] - 1e-6), np.maximum(need[q_of], 0))
    upper = np.concatenate([x_up, pri_left, floor_q]).astype(np.float64)
    sp_s, sp_p = sps // w.size, sps % w.size
    row_lo = np.concatenate([np.full(n_sp + n_s + 2 * n_q, -INF), floor_q])
    row_hi = np.concatenate([stock[sp_s, sp_p], np.maximum(cap[ss], 0), np.maximum(need, 0),
                             np.zeros(n_q), np.full(n_q, INF)]).astype(np.float64)
    import highspy

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", MIP_TIME_LIMIT_S)
    h.setOptionValue("mip_rel_gap", 1e-6)
    pass_model(h, cost, lower, upper, row_lo, row_hi, start.astype(np.int32),
               index.astype(np.int32), value, maximize=True, integers=n_x)
    h.run()
    if h.getInfo().primal_solution_status != 2:  # no feasible point: keep the rounding
        return
    x = np.asarray(h.getSolution().col_value)[:n_x]
    cand = np.round(x).astype(np.int64)
    # accept only if it keeps stock, capacity and demand (integrality tolerances)
    used_sp = np.bincount(sp_of, weights=cand, minlength=n_sp)
    used_s = np.bincount(s_of, weights=cand * wx, minlength=n_s)
    used_q = np.bincount(q_of, weights=cand, minlength=n_q)
    if (np.all(used_sp <= stock[sp_s, sp_p]) and np.all(used_s <= cap[ss] + 1e-9)
            and np.all(used_q <= need) and np.all(cand >= 0)):
        xi[idx] = cand


@dataclass(frozen=True, eq=False)
class Rounded:
    """Integer units per LP arc (``x``, aligned with the transport's arcs), new flows off
    the LP's arcs (pair, site, units, km of each) and the seconds spent in the MIP."""

    x: IntArray
    extra_pair: IntArray
    extra_site: IntArray
    extra_qty: IntArray
    extra_km: FloatArray
    mip_s: float


def round_flows(problem: Problem, tr: Transport) -> Rounded:
    """Integer arc flows: floor, then top up pairs left short unit by unit.

    Pass 1 brings pairs back up to their LP amount along their own arcs; pass 2 fills any
    demand still open from stock and capacity that rounding left free, along the pair's arcs
    and then its nearest sites (new flows, the ``extra_*`` fields). Priority deficits go
    first, then the lowest fill rates. Stock, capacity and demand always hold.
    """
    mip_s = 0.0
    a = problem.arrays
    w = a.w
    xi = np.floor(tr.x + 1e-6).astype(np.int64)
    frac = tr.x - xi > 1e-6
    if frac.any():
        used = tr.x > 1e-9  # the MIP works on the LP's support only
        by_pair = used & np.isin(tr.arc_pair, tr.arc_pair[frac])
        free = by_pair | (used & np.isin(tr.arc_site, tr.arc_site[frac]))
        if int(free.sum()) > MIP_ARCS // 5:
            free = by_pair
        if int(free.sum()) <= MIP_ARCS:
            t0 = time.perf_counter()
            _mip_repair(problem, tr, free, xi)
            mip_s += time.perf_counter() - t0
    stock = a.stock.copy()
    stock[~a.active] = 0
    np.subtract.at(stock, (tr.arc_site, tr.pair_p[tr.arc_pair]), xi)
    cap = a.cap.copy()
    np.subtract.at(cap, tr.arc_site, xi * w[tr.pair_p[tr.arc_pair]])
    n_pair = tr.pair_c.size
    got = np.zeros(n_pair, dtype=np.int64)
    np.add.at(got, tr.arc_pair, xi)
    lp_got = np.zeros(n_pair)
    np.add.at(lp_got, tr.arc_pair, tr.x)
    need = (a.pri + a.reg)[tr.pair_c, tr.pair_p]
    extra: tuple[list[int], list[int], list[int], list[float]] = ([], [], [], [])
    order = np.lexsort((tr.arc_km, tr.arc_pair))
    starts = np.searchsorted(tr.arc_pair[order], np.arange(n_pair + 1))
    for final in (False, True):
        target = need if final else np.minimum(np.ceil(lp_got - 1e-6).astype(np.int64), need)
        short = np.flatnonzero(got < target)
        if final:
            left = stock.sum(axis=0) > 0
            short = short[left[tr.pair_p[short]]]
        if short.size == 0:
            continue
        pri = a.pri[tr.pair_c, tr.pair_p]
        fill = (a.fixed_q[tr.pair_c, tr.pair_p] + got) / np.maximum(
            a.demand[tr.pair_c, tr.pair_p], 1)
        deficit = got < pri
        key = np.lexsort((fill[short], -w[tr.pair_p[short]] * deficit[short], ~deficit[short]))
        for q in short[key].tolist():
            p = int(tr.pair_p[q])
            wp = float(w[p])
            want = int(target[q] - got[q])
            for arc in order[starts[q]:starts[q + 1]].tolist():
                s = int(tr.arc_site[arc])
                units = min(want, int(stock[s, p]), int((cap[s] + 1e-9) // wp))
                if units > 0:
                    xi[arc] += units
                    stock[s, p] -= units
                    cap[s] -= units * wp
                    want -= units
                if want <= 0:
                    break
            if final and want > 0 and tr.cand is not None:
                c = int(tr.pair_c[q])
                for s, km in zip(tr.cand.idx[c].tolist(), tr.cand.km[c].tolist(), strict=True):
                    units = min(want, int(stock[s, p]), int((cap[s] + 1e-9) // wp))
                    if units > 0:
                        extra[0].append(q)
                        extra[1].append(s)
                        extra[2].append(units)
                        extra[3].append(km)
                        stock[s, p] -= units
                        cap[s] -= units * wp
                        want -= units
                    if want <= 0:
                        break
            got[q] = target[q] - want
    return Rounded(xi, np.array(extra[0], dtype=np.int64), np.array(extra[1], dtype=np.int64),
                   np.array(extra[2], dtype=np.int64), np.array(extra[3], dtype=np.float64),
                   mip_s)
