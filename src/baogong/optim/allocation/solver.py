"""The allocation's entry point: :func:`solve`, stages 1-3 exactly, stage 4 by one of two
methods, integer units, and the summary.

``exact`` (small instances): the stage-4 LP over all products
(:mod:`baogong.optim.allocation.exact`), rounded (:mod:`baogong.optim.allocation.rounding`)
and re-flowed fairly (:mod:`baogong.optim.allocation.fair`), whichever of the two roundings
is better. ``network`` (large instances): one min-cost flow per product
(:mod:`baogong.optim.allocation.network`) in two worker processes
(:mod:`baogong.optim.allocation.workers`), from the supplies of the zone LP
(:mod:`baogong.optim.allocation.zones`) or of the aggregate LP's locality proxy, with a
kg x km bound on request (:mod:`baogong.optim.allocation.bound`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from baogong.optim.allocation.aggregate import Aggregate, solve_aggregate
from baogong.optim.allocation.bound import timed_bound
from baogong.optim.allocation.exact import solve_transport
from baogong.optim.allocation.fair import Arcs, reflow
from baogong.optim.allocation.geometry import FloatArray
from baogong.optim.allocation.highs import Clock, Infeasible
from baogong.optim.allocation.model import Problem
from baogong.optim.allocation.network import FlowJob
from baogong.optim.allocation.result import Flows, Result, assemble, better
from baogong.optim.allocation.rounding import round_flows
from baogong.optim.allocation.supplies import (
    integer_supply,
    pair_bounds,
    site_proxy_km,
    supply_bounds,
)
from baogong.optim.allocation.workers import FlowWorkers
from baogong.optim.allocation.zones import SPLIT_CELLS, zone_cells, zone_lp

#: Largest (pairs x usable sites) solved with the exact joint LP under ``method="auto"``.
EXACT_CELLS = 400_000
#: Between these many cells the exact LP starts from the network plan's arcs (see
#: :func:`solve`): below, the worker start-up costs more than it saves; above,
#: HiGHS takes longer over the seeded first LP than pricing does without it (measured on the
#: benchmark's instances: 0.9 -> 1.0 s at 89,000 cells, 6.3 -> 4.5 s at 606,000, 12.2 ->
#: 15.7 s at 1.5 million).
SEED_CELLS = 50_000
SEED_MAX_CELLS = 1_000_000

Prices = tuple[FloatArray, float]  # rent per kg of site capacity, reward per kg served


@dataclass(frozen=True, eq=False)
class NetworkPlan:
    """Stages 1-3 and the per-product flows: the aggregate, the flows, the most re-solve
    rounds of any product, how many products' flows are proven optimal, the zone LP's
    prices (when its supplies were used) and how the flow workers were started."""

    agg: Aggregate
    flows: Flows
    rounds: int
    proven: int
    prices: Prices | None
    workers: str


def solve(problem: Problem) -> Result:
    """Solve an allocation problem to lexicographic optimality (LP) and round to units.

    Stages 1-3 exactly (aggregate LP), stage 4 by joint LP or per-product flows. The exact
    LP of an instance of ``SEED_CELLS`` to ``SEED_MAX_CELLS`` cells is seeded with the arcs
    of the network plan (per-product flows, a second or so): with a near-optimal support
    from the start, pricing needs fewer rounds (the demo's day: 2.0 s instead of 8.5 s, same
    optimum).
    """
    t0 = time.perf_counter()
    clock = Clock()
    a = problem.arrays
    method = problem.options.method
    n_pair = int(np.count_nonzero(a.pri + a.reg))
    n_site = int(np.count_nonzero(a.active & (a.cap > 0)))
    if method == "auto":
        method = "exact" if n_pair * n_site <= EXACT_CELLS else "network"
    extra: dict[str, float | int | str] = {}
    fair: Flows | None = None
    prices: Prices | None = None
    if method == "exact":
        seed = None
        if SEED_CELLS <= n_pair * n_site <= SEED_MAX_CELLS:
            net = _network(problem, clock)
            agg = net.agg
            seed = (net.flows.site, net.flows.comm, net.flows.prod)
            extra.update(workers=net.workers)
        else:
            agg = solve_aggregate(problem, clock)
        for slack in (1e-9, 1e-6, 1e-3, 1e-1):
            try:
                tr = solve_transport(problem, agg, clock, slack, seed=seed)
                break
            except Infeasible:
                if slack == 1e-1:
                    raise
        rounded = round_flows(problem, tr)
        clock.solver_s += rounded.mip_s
        keep = rounded.x > 0
        pairs = np.concatenate([tr.arc_pair[keep], rounded.extra_pair])
        flows = Flows(np.concatenate([tr.arc_site[keep], rounded.extra_site]),
                      tr.pair_c[pairs], tr.pair_p[pairs],
                      np.concatenate([rounded.x[keep], rounded.extra_qty]),
                      np.concatenate([tr.arc_km[keep], rounded.extra_km]))
        extra.update(lp_kg_km=tr.kg_km, arcs=int(tr.arc_pair.size), arc_rounds=tr.rounds)
        fair = reflow(problem, agg, clock, flows,
                      Arcs(tr.arc_site, tr.pair_c[tr.arc_pair], tr.pair_p[tr.arc_pair],
                           tr.arc_km))
    else:
        net = _network(problem, clock)
        agg, flows, prices = net.agg, net.flows, net.prices
        extra.update(arc_rounds=net.rounds, proven_products=net.proven, workers=net.workers)
    fixed_kg_km = float((problem.km(a.fixed_site, a.fixed_comm) * a.w[a.fixed_prod]
                         * np.array([f.quantity for f in problem.fixed_flows])).sum()
                        ) if a.fixed_site.size else 0.0
    if "lp_kg_km" in extra:
        extra["lp_kg_km"] = float(extra["lp_kg_km"]) + fixed_kg_km
    extra.update(
        lp_priority_kg=agg.priority_kg + float((a.fixed_pri.sum(axis=0) * a.w).sum()),
        lp_served_kg=agg.served_kg + float((a.fixed_q.sum(axis=0) * a.w).sum()),
        lp_min_fill_rate=agg.min_fill, solver_s=clock.solver_s, solver_calls=clock.calls)
    result = assemble(problem, flows, t0, extra=extra)
    if fair is not None:  # the exact method: keep the better of the two roundings
        other = assemble(problem, fair, t0, extra=extra)
        if better(other.summary, result.summary):
            result = other
        else:  # its time counts all the same
            result = replace(result, summary=replace(result.summary,
                                                     solve_s=other.summary.solve_s))
    if method == "network" and problem.options.kgkm_bound:
        bound, secs = timed_bound(problem, agg, prices,
                                  seed=(flows.site, flows.comm, flows.prod))
        result = replace(result, summary=replace(result.summary, lp_kg_km=bound + fixed_kg_km,
                                                 bound_s=secs))
    return result


def _split(problem: Problem, clock: Clock
           ) -> tuple[Aggregate, FloatArray | None, Prices | None]:
    """Stages 1-3 and the site supplies the flows start from, with the zone LP's prices.

    The zone LP's supplies (see :mod:`baogong.optim.allocation.zones`) when every priority
    unit can be served (it has no priority row), it is small enough (``SPLIT_CELLS``) and
    its slack columns carry nothing; otherwise those of the aggregate LP's locality proxy,
    and no prices.
    """
    if zone_cells(problem) <= SPLIT_CELLS:
        agg = solve_aggregate(problem, clock)
        if agg.all_priority and agg.served_kg > 0:
            zone = zone_lp(problem, agg, clock)
            if zone.short_kg <= 1e-6 * agg.served_kg:
                return agg, zone.supply, (zone.mu, zone.nu)
    agg = solve_aggregate(problem, clock, site_km=site_proxy_km(problem))
    return agg, agg.supply, None


def _network(problem: Problem, clock: Clock) -> NetworkPlan:
    """Stages 1-3 and the per-product flows (see :class:`NetworkPlan`)."""
    a = problem.arrays
    # The flow workers start first: their start-up overlaps the aggregate LP below.
    # When forked, they also build their distance lists meanwhile.
    workers = FlowWorkers(problem)
    try:
        agg, split, prices = _split(problem, clock)
        supply = (integer_supply(problem, split) if split is not None
                  else np.zeros_like(a.stock))
        bounds = supply_bounds(problem, supply)
        jobs: list[FlowJob] = []
        for p in range(a.stock.shape[1]):
            units = int(supply[:, p].sum())
            comm_p, lb, ub = pair_bounds(problem, agg.min_fill, agg.all_priority, p, units)
            jobs.append(FlowJob(p, bounds[:, p].copy(), lb, ub, comm_p,
                                problem.options.nearest_k, units))
        outs = workers.run_flows(jobs)
    finally:
        workers.close()
    rounds = proven = 0
    for out in outs:
        proven += int(out.proven)
        clock.solver_s += out.solver_s
        clock.calls += out.calls
        rounds = max(rounds, out.rounds)
    flows = Flows(np.concatenate([out.site for out in outs]),
                  np.concatenate([out.comm for out in outs]),
                  np.concatenate([np.full(out.comm.size, job.product, dtype=np.int64)
                                  for job, out in zip(jobs, outs, strict=True)]),
                  np.concatenate([out.qty for out in outs]),
                  np.concatenate([out.km for out in outs]))
    return NetworkPlan(agg, flows, rounds, proven, prices, workers.start)
