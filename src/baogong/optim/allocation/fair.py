"""Fair integer shares for the exact method: re-flow the rounded plan's supplies.

Rounding the stage-4 LP (:mod:`baogong.optim.allocation.rounding`) keeps stock, capacity and
demand, but a pair whose LP amount sits just above its fair share ``t* d - f`` may be rounded
down below it, and top-ups only use what rounding left free. On small instances that lowered
the lowest fill rate (stage 3) well below what the network method reaches with the same LP
(0.52 against 0.58 on a 125-compound window of the benchmark's city), for a few kg more
served.

So each product's units are re-distributed from the same sites: every site ships exactly what
the rounded plan ships of the product (stock, capacity and the kg served are unchanged), each
pair takes at least its integer fair share (``ceil(t d - f)`` with the largest ``t <= t*``
whose floors fit the product's units, as in the network method,
:func:`baogong.optim.allocation.supplies.pair_bounds`) and at most its demand, along the LP's
arcs and the rounded plan's, at least kg x km. One LP over all products: each column is in one
site row and one pair row, so the matrix is totally unimodular and the optimal vertex is
integral. A floor that these arcs cannot reach goes to a slack column at a high cost. The
caller keeps whichever plan is better in the stage order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.aggregate import Aggregate
from baogong.optim.allocation.geometry import FloatArray, IntArray
from baogong.optim.allocation.highs import Clock, Infeasible, new_highs, pass_model
from baogong.optim.allocation.model import Problem
from baogong.optim.allocation.result import Flows
from baogong.optim.allocation.supplies import pair_bounds


@dataclass(frozen=True, eq=False)
class Arcs:
    """Arcs a re-flow may use besides the plan's own: site, community, product, road km."""

    site: IntArray
    comm: IntArray
    prod: IntArray
    km: FloatArray


def reflow(problem: Problem, agg: Aggregate, clock: Clock, flows: Flows,
           arcs: Arcs) -> Flows | None:
    """The rounded ``flows`` re-distributed fairly (see the module docstring), or None when
    nothing is to gain (no pair below its integer fair share) or the LP fails.

    ``arcs`` are further arcs allowed (the LP's).
    """
    a = problem.arrays
    n_s, n_p = a.stock.shape
    n_c = a.demand.shape[0]
    site, comm, prod, qty, km = flows.site, flows.comm, flows.prod, flows.qty, flows.km
    units = np.zeros((n_s, n_p), dtype=np.int64)
    np.add.at(units, (site, prod), qty)
    got = np.zeros((n_c, n_p), dtype=np.int64)
    np.add.at(got, (comm, prod), qty)
    lo = np.zeros((n_c, n_p), dtype=np.int64)
    hi = np.zeros((n_c, n_p), dtype=np.int64)
    for p in range(n_p):
        c, lb, ub = pair_bounds(problem, agg.min_fill, agg.all_priority, p,
                                    int(units[:, p].sum()))
        lo[c, p], hi[c, p] = lb, ub
    if not np.any(got < lo):
        return None
    # arcs: the plan's and the LP's, from sites that ship the product, to pairs with demand
    a_s = np.concatenate([site, arcs.site])
    a_c = np.concatenate([comm, arcs.comm])
    a_p = np.concatenate([prod, arcs.prod])
    a_km = np.concatenate([km, arcs.km])
    ok = (units[a_s, a_p] > 0) & (hi[a_c, a_p] > 0)
    key = (a_c[ok] * n_p + a_p[ok]) * n_s + a_s[ok]
    _, first = np.unique(key, return_index=True)
    pick = np.flatnonzero(ok)[first]
    a_s, a_c, a_p, a_km = a_s[pick], a_c[pick], a_p[pick], a_km[pick]
    sp, sp_row = np.unique(a_s * n_p + a_p, return_inverse=True)
    cp, cp_row = np.unique(a_c * n_p + a_p, return_inverse=True)
    n_x, n_sp, n_cp = a_s.size, sp.size, cp.size
    w = a.w
    big = 10.0 * (float(a_km.max(initial=0.0)) + 1.0)
    # columns: x per arc (site row, pair row) | slack per pair (pair row)
    index = np.concatenate([np.stack([sp_row.ravel(), n_sp + cp_row.ravel()], axis=1).ravel(),
                            n_sp + np.arange(n_cp)]).astype(np.int32)
    value = np.ones(index.size)
    start = np.concatenate([np.arange(0, 2 * n_x, 2), 2 * n_x + np.arange(n_cp + 1)]
                           ).astype(np.int32)
    pc, pp = cp // n_p, cp % n_p
    cost = np.concatenate([w[a_p] * a_km, big * w[pp]])
    lower = np.zeros(n_x + n_cp)
    upper = np.concatenate([hi[a_c, a_p], lo[pc, pp]]).astype(np.float64)
    ship = units[sp // n_p, sp % n_p].astype(np.float64)
    row_lo = np.concatenate([ship, lo[pc, pp].astype(np.float64)])
    row_hi = np.concatenate([ship, hi[pc, pp].astype(np.float64)])
    h = new_highs(problem.options.time_limit_s)
    h.setOptionValue("solver", "simplex")  # a vertex: integral, the matrix being TU
    pass_model(h, cost, lower, upper, row_lo, row_hi, start, index, value, maximize=False)
    try:
        clock.run(h)
    except (Infeasible, RuntimeError):
        return None
    x = np.asarray(h.getSolution().col_value)[:n_x]
    q = np.round(x).astype(np.int64)
    if np.abs(x - q).max(initial=0.0) > 1e-6:
        return None
    on = q > 0
    return Flows(a_s[on], a_c[on], a_p[on], q[on], a_km[on])
