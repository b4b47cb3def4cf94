"""Stages 1-3 of the allocation on the site-product aggregate.

See :mod:`baogong.optim.allocation.exact` for the formulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.geometry import FloatArray
from baogong.optim.allocation.highs import INF, Clock, new_highs, pass_model, tol
from baogong.optim.allocation.model import Problem


@dataclass
class Aggregate:
    """Optimal values of stages 1-3 (residual units, without the fixed flows)."""

    priority_kg: float
    served_kg: float
    min_fill: float
    all_priority: bool
    full_service: bool
    supply: FloatArray | None = None  # units per (site, product) of a stage-1-3 optimum


def _fill_functions(problem: Problem, t: float) -> FloatArray:
    """Per product: F, F', G, G', H, H' of the fill-rate conditions at ``t`` (shape (P, 6))."""
    a = problem.arrays
    d = a.demand.astype(np.float64)
    n = t * d - a.fixed_q
    has = d > 0
    out = np.zeros((d.shape[1], 6))
    for j, shift in enumerate((np.zeros_like(d), a.reg.astype(np.float64),
                               a.pri.astype(np.float64))):
        m = n - shift
        on = has & (m >= -1e-12)
        out[:, 2 * j] = np.where(on, np.maximum(m, 0.0), 0.0).sum(axis=0)
        out[:, 2 * j + 1] = np.where(on, d, 0.0).sum(axis=0)
    return out


def solve_aggregate(problem: Problem, clock: Clock,
                    site_km: FloatArray | None = None) -> Aggregate:
    """Stages 1-3 on the site-product aggregate (exact: every site reaches every community).

    With ``site_km`` (a distance proxy per site), a last solve picks, among the stage-1-3
    optima, the site supplies that minimise kg x proxy km (used by the network-flow stage 4).
    """
    import highspy

    a = problem.arrays
    n_s, n_p = a.stock.shape
    w = a.w
    usable = (a.stock > 0) & (a.active & (a.cap > 0))[:, None]
    ys, yp = np.nonzero(usable)
    n_y = ys.size
    pri_tot = a.pri.sum(axis=0).astype(np.float64)
    reg_tot = a.reg.sum(axis=0).astype(np.float64)
    has_pairs = bool(np.any(a.demand > 0))
    if n_y == 0 or not (pri_tot.sum() + reg_tot.sum()) > 0:
        t0 = _min_fill_without_supply(problem) if has_pairs else 1.0
        return Aggregate(0.0, 0.0, t0, not pri_tot.any(), not (pri_tot + reg_tot).any())
    cap_sites, cap_row = np.unique(ys, return_inverse=True)
    n_cap = cap_sites.size
    # rows: capacity rows [0, n_cap), product balance rows [n_cap, n_cap + P)
    n_col = n_y + 2 * n_p + 1
    index = np.concatenate([
        np.stack([cap_row, n_cap + yp], axis=1).ravel(),
        np.repeat(n_cap + np.arange(n_p), 2),
    ]).astype(np.int32)
    value = np.concatenate([
        np.stack([w[yp], np.ones(n_y)], axis=1).ravel(), -np.ones(2 * n_p)])
    start = np.concatenate([np.arange(0, 2 * n_y + 1, 2),
                            2 * n_y + np.arange(1, 2 * n_p + 1),
                            [2 * n_y + 2 * n_p]]).astype(np.int32)
    # column order: y..., A_0, B_0, A_1, B_1, ..., t  (A_p/B_p each touch balance row p)
    col_a = n_y + 2 * np.arange(n_p)
    col_b = col_a + 1
    col_t = n_col - 1
    lower = np.zeros(n_col)
    upper = np.empty(n_col)
    upper[:n_y] = a.stock[ys, yp]
    upper[col_a] = pri_tot
    upper[col_b] = reg_tot
    upper[col_t] = 1.0
    cost = np.zeros(n_col)
    cost[col_a] = w
    row_lo = np.concatenate([np.full(n_cap, -INF), np.zeros(n_p)])
    row_hi = np.concatenate([a.cap[cap_sites], np.zeros(n_p)])
    h = new_highs(problem.options.time_limit_s)
    pass_model(h, cost, lower, upper, row_lo, row_hi, start, index, value, maximize=True)
    clock.run(h)
    p_star = float(h.getInfo().objective_function_value)
    # stage 2
    h.addRow(p_star - tol(p_star), INF, n_p, col_a.astype(np.int32), w)
    cost[col_b] = w
    h.changeColsCost(2 * n_p, np.concatenate([col_a, col_b]).astype(np.int32),
                     np.concatenate([w, w]))
    clock.run(h)
    t_star_kg = float(h.getInfo().objective_function_value)
    # stage 3: max t with tangent cuts
    ab = np.concatenate([col_a, col_b]).astype(np.int32)
    h.addRow(t_star_kg - tol(t_star_kg), INF, 2 * n_p, ab, np.concatenate([w, w]))
    h.changeColsCost(2 * n_p + 1, np.concatenate([ab, [col_t]]).astype(np.int32),
                     np.concatenate([np.zeros(2 * n_p), [1.0]]))
    t_val = 1.0
    if has_pairs:
        for _ in range(200):
            clock.run(h)
            x = np.asarray(h.getSolution().col_value)
            t_val = float(x[col_t])
            fun = _fill_functions(problem, t_val)
            cuts = 0
            for p in range(n_p):
                for j, (cols, vals) in enumerate((
                    ([col_a[p], col_b[p]], [1.0, 1.0]), ([col_a[p]], [1.0]),
                    ([col_b[p]], [1.0]),
                )):
                    have = sum(x[c] for c in cols)
                    need, slope = fun[p, 2 * j], fun[p, 2 * j + 1]
                    if have < need - tol(need):
                        h.addRow(need - slope * t_val, INF, len(cols) + 1,
                                 np.array([*cols, col_t], dtype=np.int32),
                                 np.array([*vals, -slope]))
                        cuts += 1
            if cuts == 0:
                break
    else:
        t_val = 1.0
    all_pri = p_star >= float(w @ pri_tot) - tol(p_star)
    full = t_star_kg >= float(w @ (pri_tot + reg_tot)) - tol(t_star_kg)
    supply = None
    if site_km is not None:
        h.changeColBounds(int(col_t), max(0.0, t_val - 1e-7), 1.0)
        cost = np.zeros(n_col)
        cost[:n_y] = w[yp] * site_km[ys]
        h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        clock.run(h)
        x = np.asarray(h.getSolution().col_value)
        supply = np.zeros((n_s, n_p))
        supply[ys, yp] = x[:n_y]
    return Aggregate(p_star, t_star_kg, min(1.0, t_val), all_pri, full, supply)


def stage4_rows(problem: Problem, agg: Aggregate, slack: float = 1e-9
                ) -> tuple[FloatArray, float]:
    """What stage 4 keeps of stages 1-3, loosened by ``slack`` against solver tolerances:
    per (community, product) the floor on units served (the fill rate ``t* - slack``, and
    the priority units when every one can be served), and the total-kg floor (``-inf`` when
    everything is served anyway)."""
    a = problem.arrays
    need = (a.pri + a.reg).astype(np.float64)
    lo = np.maximum(max(0.0, agg.min_fill - slack) * a.demand - a.fixed_q, 0.0)
    if agg.all_priority:
        lo = np.maximum(lo, a.pri)
    lo = np.minimum(lo, need)
    total = (-INF if agg.full_service
             else agg.served_kg * (1 - slack) - tol(agg.served_kg))
    return lo, total


def _min_fill_without_supply(problem: Problem) -> float:
    a = problem.arrays
    has = a.demand > 0
    return float((a.fixed_q[has] / a.demand[has]).min())
