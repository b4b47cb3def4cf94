"""A certified lower bound on stage 4's kg x km for the ``network`` method.

The network method's flows are optimal per product for their site supplies, but the split
of a capacity-tight site between products is a heuristic, so its kg x km has no LP bound of
its own. This module gives it one by Lagrangian relaxation
(:mod:`baogong.optim.allocation.lagrange`): price the sites' kg capacity at ``mu_s`` and
served kg at ``nu``, solve one transport problem per product (in the flow workers), and add
up. Any prices give a valid bound; good ones give a tight one. They come from the zone LP
(:mod:`baogong.optim.allocation.zones`).
"""

from __future__ import annotations

import time

import numpy as np

from baogong.optim.allocation.aggregate import Aggregate, stage4_rows
from baogong.optim.allocation.geometry import FloatArray, IntArray
from baogong.optim.allocation.highs import Clock
from baogong.optim.allocation.lagrange import LagrangeJob, best_reward, pair_value
from baogong.optim.allocation.model import Problem
from baogong.optim.allocation.workers import FlowWorkers
from baogong.optim.allocation.zones import Seed, zone_prices


def kgkm_bound(problem: Problem, agg: Aggregate, clock: Clock,
               prices: tuple[FloatArray, float] | None = None, seed: Seed | None = None
               ) -> float:
    """A certified lower bound on the stage-4 LP's kg x km (residual flows only).

    Zone-LP prices (computed here unless given, pricing for at most ``BOUND_PRICING_S``),
    one Lagrangian transport problem per product in the flow workers.
    """
    a = problem.arrays
    n_p = a.stock.shape[1]
    workers = FlowWorkers(problem)
    try:
        mu, nu = (prices if prices is not None
                  else zone_prices(problem, agg, clock, seed=seed))
        lo, total = stage4_rows(problem, agg)
        usable = (a.stock > 0) & (a.active & (a.cap > 0))[:, None]
        need = a.pri + a.reg
        jobs: list[LagrangeJob] = []
        for p in range(n_p):
            comm = np.flatnonzero(need[:, p] > 0)
            stock = np.where(usable[:, p], a.stock[:, p], 0).astype(np.int64)
            seed_q, seed_s = _seed_arcs(seed, p, comm)
            jobs.append(LagrangeJob(p, stock, lo[comm, p], comm, need[comm, p].astype(np.int64),
                                    mu, nu, float(a.w[p]), problem.options.nearest_k, seed_q,
                                    seed_s))
        outs = workers.run_lagrange(jobs)
    finally:
        workers.close()
    parts = []
    bound = 0.0
    for job, out in zip(jobs, outs, strict=True):
        clock.calls += out.calls
        clock.solver_s += out.solver_s
        parts.append((out.price, job.lo, job.ub, job.w))
        bound += out.const
    # the subproblems' certificates hold for any reward: take the best one
    reward = best_reward(parts, total) if np.isfinite(total) else 0.0
    bound -= float(mu[usable.any(axis=1)] @ a.cap[usable.any(axis=1)])
    bound += reward * total if np.isfinite(total) else 0.0
    for price, lo_p, ub_p, w_p in parts:
        bound += pair_value(price - w_p * reward, lo_p, ub_p)
    return max(bound, 0.0)


def _seed_arcs(seed: Seed | None, p: int, comm: IntArray) -> tuple[IntArray, IntArray]:
    """The seed's flows of product ``p`` as (pair, site): pairs index ``comm`` (increasing)."""
    if seed is None or comm.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    site, c, prod = seed
    on = prod == p
    q = np.minimum(np.searchsorted(comm, c[on]), comm.size - 1)
    ok = comm[q] == c[on]
    return q[ok].astype(np.int64), site[on][ok].astype(np.int64)


def timed_bound(problem: Problem, agg: Aggregate,
                prices: tuple[FloatArray, float] | None = None, seed: Seed | None = None
                ) -> tuple[float, float]:
    """:func:`kgkm_bound` and the seconds it took."""
    t0 = time.perf_counter()
    clock = Clock()
    return kgkm_bound(problem, agg, clock, prices, seed), time.perf_counter() - t0
