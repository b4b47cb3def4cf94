"""The nearest-first baseline: what a person with a spreadsheet does.

Communities are taken in the order given; each takes, product by product, all it asks for
(priority and regular alike) from the nearest site that still has the product and capacity,
then the next nearest, and so on. No look-ahead, no fairness.
"""

from __future__ import annotations

import time

import numpy as np

from baogong.optim.allocation.arcs import Candidates
from baogong.optim.allocation.model import Problem
from baogong.optim.allocation.result import Flows, Result, assemble


def greedy(problem: Problem) -> Result:
    """The nearest-first baseline: serve communities in order from their nearest sites with
    stock and capacity left."""
    t0 = time.perf_counter()
    a = problem.arrays
    w = a.w.tolist()
    stock = a.stock.copy()
    stock[~a.active] = 0
    cap = a.cap.copy()
    left = stock.sum(axis=0)
    need = a.pri + a.reg
    cand = Candidates(problem)
    out_s: list[int] = []
    out_c: list[int] = []
    out_p: list[int] = []
    out_q: list[int] = []
    out_km: list[float] = []
    idx_rows = cand.idx.tolist()
    km_rows = cand.km.tolist()
    for c in range(need.shape[0]):
        for p in np.flatnonzero(need[c]).tolist():
            rem = int(need[c, p])
            wp = w[p]
            for s, km in zip(idx_rows[c], km_rows[c], strict=True):
                if left[p] <= 0:
                    break
                units = min(rem, int(stock[s, p]), int((cap[s] + 1e-9) // wp))
                if units > 0:
                    out_s.append(s)
                    out_c.append(c)
                    out_p.append(p)
                    out_q.append(units)
                    out_km.append(km)
                    stock[s, p] -= units
                    cap[s] -= units * wp
                    left[p] -= units
                    rem -= units
                    if rem == 0:
                        break
            if rem > 0 and left[p] > 0 and not cand.complete:
                sites, kms = cand.full_list(c)
                avail = (stock[sites, p] > 0) & (cap[sites] >= wp)
                avail[: len(idx_rows[c])] = False  # the short list was tried already
                for i in np.flatnonzero(avail).tolist():
                    s = int(sites[i])
                    units = min(rem, int(stock[s, p]), int((cap[s] + 1e-9) // wp))
                    if units > 0:
                        out_s.append(s)
                        out_c.append(c)
                        out_p.append(p)
                        out_q.append(units)
                        out_km.append(float(kms[i]))
                        stock[s, p] -= units
                        cap[s] -= units * wp
                        left[p] -= units
                        rem -= units
                        if rem == 0:
                            break
    return assemble(problem, Flows(np.array(out_s, dtype=np.int64),
                                   np.array(out_c, dtype=np.int64),
                                   np.array(out_p, dtype=np.int64),
                                   np.array(out_q, dtype=np.int64),
                                   np.array(out_km, dtype=np.float64)), t0)
