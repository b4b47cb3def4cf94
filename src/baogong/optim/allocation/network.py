"""Stage 4 for large instances: one OR-Tools min-cost flow per product.

Site capacity is the only thing that couples products. The aggregate LP (stages 1-3, exact)
is asked for one more solve: among its optima, the per-(site, product) supplies ``y_sp``
that minimise kg x (site's distance to its nearby communities). Its product totals are kept,
but the flows choose the sites themselves (``supply_bounds`` in
:mod:`baogong.optim.allocation.supplies`): each site may ship up to its
stock, except where the stock outweighs the kg capacity, where each product keeps its
``y_sp`` plus a share of the spare capacity. The products then decouple, and each is a
transportation problem solved as an integer min-cost flow:

    source (the product total) -> site (up to its bound) -> community (restricted arcs, km)
    community: takes at least its floor (priority units, fair share) and at most its demand
    hub: any site -> hub -> any community, at twice the longest arc's cost

Arcs are the ``k`` nearest supplying sites of each pair, plus for each site its nearest
pairs until their demand is four times its supply; for products with at most
``WIDE_CELLS`` (pair x site) cells also each pair's ``_WIDE`` nearest supplying sites. Hub
flow means arcs are missing: the pairs the hub fed get arcs from the sites that fed it and the
whole product is solved again (``_GLOBAL_ROUNDS`` times); what still goes through the hub is
re-planned as a small residual transport problem (sites that fed the hub -> pairs it fed) on
wider arcs, at most ``_ROUNDS`` times (what is left is routed directly).

Then the flow is priced over all arcs (column generation): the optimal node potentials
(:func:`potentials`, Bellman-Ford on the residual network) price every arc left out, those
with a negative reduced cost are added and the product is solved again. For products with at
most ``PRICE_CELLS`` cells this goes on until none is left, and the flow is *proven*
optimal over all arcs; larger ones (the city) get ``LARGE_PRICE_ROUNDS`` round, which takes
most of the gain (the hub rounds connect pairs to far sites directly; pricing finds the
chains of short moves instead). kg x km is then optimal (or nearly) for the site bounds;
what separates it from the joint optimum is the split of the supplies (product totals,
capacity shares), see ``docs/allocation.md``. The exact joint LP is used for
instances small enough (see :mod:`baogong.optim.allocation.solver`).

OR-Tools and highspy each ship their own ``libhighs.so.1`` and cannot be loaded in the same
process, so the flows run in worker processes (:mod:`baogong.optim.allocation.workers`, two
workers, half of the products each) that import this module; it must never import highspy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.arcs import Geo
from baogong.optim.allocation.geometry import FloatArray, IntArray, km_grid


@dataclass(frozen=True)
class Potentials:
    """Optimal node potentials of one product's flow, in the solver's cost unit (1/100 km).

    ``site`` per site (NaN where the site supplies nothing), ``pair`` per pair. An arc
    ``s -> q`` of ``km`` left out can only lower the cost if ``round(100 km) + site[s] <
    pair[q]`` (its reduced cost is negative); when no arc does, the flow is optimal over all
    arcs.
    """

    site: FloatArray
    pair: FloatArray


#: Residual rounds: what still goes through the hub is re-planned on wider arcs.
_ROUNDS = 8
#: Pricing rounds (arcs added where the potentials show they would lower the cost).
_PRICE_ROUNDS = 16
#: Arcs added per pair and pricing round (the most negative reduced costs).
PER_PAIR = 8
#: Distances computed per chunk when pricing.
CHUNK_CELLS = 4_000_000
#: Rounds that add arcs where the hub was used and solve the whole product again.
_GLOBAL_ROUNDS = 4
#: Products with at most this many (pair x supplying site) cells get each pair's ``_WIDE``
#: nearest supplying sites as arcs (true distances), not only the candidate lists.
WIDE_CELLS = 2_000_000
_WIDE = 128
#: Products with at most this many cells are priced until no arc prices in (proven
#: optimal); larger ones get ``LARGE_PRICE_ROUNDS`` pricing rounds. On the benchmark's city
#: (about 55,000 pairs x 3,500 sites per product) the first round takes most of the gain:
#: oil 189.9M -> 150.2M kg x km (optimum 144.9M, proven after 7 rounds and 94 s against
#: 21 s for one round).
PRICE_CELLS = WIDE_CELLS
LARGE_PRICE_ROUNDS = 1
#: Reverse arcs: each site reaches its nearest pairs until their demand is this times its supply.
_COVER = 4


@dataclass(frozen=True, eq=False)
class FlowJob:
    """One product's flow for a worker: what each site may ship (``supply``), each pair's
    community, floor and most units, the nearest ``k`` sites per pair as first arcs, and
    the units to ship in all (``None``: all of the supply)."""

    product: int
    supply: IntArray
    lb: IntArray
    ub: IntArray
    pair_c: IntArray
    k: int
    total: int | None


@dataclass(frozen=True, eq=False)
class FlowOut:
    """One product's flows (community, site, units, km of each), its solver calls, re-solve
    rounds, whether it is proven optimal over all arcs, and the seconds inside the solver."""

    comm: IntArray
    site: IntArray
    qty: IntArray
    km: FloatArray
    calls: int
    rounds: int
    proven: bool
    solver_s: float


def product_flows(geo: Geo, supply: IntArray, lb: IntArray, ub: IntArray, pair_c: IntArray,
                  k: int, by_site: IntArray | None = None, total: int | None = None
                  ) -> FlowOut:
    """Min-cost flow of one product: (community, site, units, km), solver calls, rounds,
    whether the flow is proven optimal over all arcs (for these site bounds), and the
    seconds inside ``SimpleMinCostFlow.solve``.

    ``supply`` is per site (what it may ship; all of it when ``total`` is None, else
    ``total`` units in all); ``lb``/``ub`` per pair (aligned with ``pair_c``); ``by_site``
    optionally the :func:`site_major_order` of ``geo`` (same result, faster).
    """
    n_s = supply.size
    n_q = pair_c.size
    sup_sites = np.flatnonzero(supply > 0)
    if sup_sites.size == 0 or n_q == 0:
        return FlowOut(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                       np.zeros(0), 0, 0, True, 0.0)
    arc_q, arc_s, arc_km = product_arcs(geo, supply, pair_c, ub, k, by_site)
    calls, rounds, g, priced = 0, 0, 0, 0
    secs = 0.0
    proven = False
    price_rounds = (_PRICE_ROUNDS if n_q * sup_sites.size <= PRICE_CELLS
                    else LARGE_PRICE_ROUNDS)
    # Whole-product rounds: while the hub is used, the pairs it fed get arcs from the sites
    # that fed it; once it is idle, every arc left out is priced with the potentials and
    # those that would lower the cost are added, until none does (then the flow is optimal
    # over all arcs, for these site bounds) or ``price_rounds`` rounds are done.
    while True:
        flow, hub_in, hub_out, pot, t = _solve(supply, sup_sites, lb, ub, arc_q, arc_s,
                                               arc_km, n_s, total, duals=priced < price_rounds)
        calls, secs = calls + 1, secs + t
        if hub_out.any():
            if g >= _GLOBAL_ROUNDS:
                break
            donors = np.flatnonzero(hub_in > 0)
            needy = np.flatnonzero(hub_out > 0)
            q2, s2 = nearest(geo, pair_c[needy], donors, 4 * 2 ** (g + 1))
            q3, s3 = _outlets(geo, pair_c[needy], hub_out[needy], donors, hub_in[donors])
            nq = needy[np.concatenate([q2, q3])]
            ns = np.concatenate([s2, s3])
            g += 1
        else:
            if pot is None or priced >= price_rounds:
                break
            priced += 1
            nq, ns = _price_arcs(geo, pair_c, sup_sites, pot)
            if nq.size == 0:
                proven = True
                break
        key = nq * n_s + ns
        fresh = ~np.isin(key, arc_q * n_s + arc_s)
        _, first = np.unique(key[fresh], return_index=True)
        nq, ns = nq[fresh][first], ns[fresh][first]
        if nq.size == 0:
            proven = not hub_out.any()
            break
        arc_q = np.concatenate([arc_q, nq])
        arc_s = np.concatenate([arc_s, ns])
        arc_km = np.concatenate([arc_km, geo.km(ns, pair_c[nq])])
        rounds += 1
    pos = flow > 0
    parts = [(arc_q[pos], arc_s[pos], flow[pos], arc_km[pos])]
    # Residual rounds: only what went through the hub is re-planned, as a small transport
    # problem from the sites that fed the hub to the pairs it fed, on ever wider arcs.
    left = _ROUNDS
    while hub_out.any() and left > 0:
        left -= 1
        rounds += 1
        donors = np.flatnonzero(hub_in > 0)
        needy = np.flatnonzero(hub_out > 0)
        need = hub_out[needy]
        q2, s2 = nearest(geo, pair_c[needy], donors, 4 * 2 ** (g + _ROUNDS - left))
        q3, s3 = _outlets(geo, pair_c[needy], need, donors, hub_in[donors])
        _, first = np.unique(np.concatenate([q2, q3]) * n_s + np.concatenate([s2, s3]),
                             return_index=True)
        rq = np.concatenate([q2, q3])[first]
        rs = np.concatenate([s2, s3])[first]
        rkm = geo.km(rs, pair_c[needy[rq]])
        flow, hub_in, sub_out, _, t = _solve(hub_in, donors, need, need, rq, rs, rkm, n_s)
        calls, secs = calls + 1, secs + t
        pos = flow > 0
        parts.append((needy[rq[pos]], rs[pos], flow[pos], rkm[pos]))
        hub_out = np.zeros(n_q, dtype=np.int64)
        hub_out[needy] = sub_out
    if hub_out.any():  # out of rounds: route what still goes through the hub directly
        hq, hs, hf = _match(geo, hub_in, hub_out, pair_c)
        parts.append((hq, hs, hf, geo.km(hs, pair_c[hq])))
    q_out = np.concatenate([x[0] for x in parts])
    s_out = np.concatenate([x[1] for x in parts])
    f_out = np.concatenate([x[2] for x in parts])
    km_out = np.concatenate([x[3] for x in parts])
    return FlowOut(pair_c[q_out], s_out, f_out, km_out, calls, rounds, proven, secs)


def product_arcs(geo: Geo, supply: IntArray, pair_c: IntArray, ub: IntArray, k: int,
                 by_site: IntArray | None = None) -> tuple[IntArray, IntArray, FloatArray]:
    """The first arcs of one product's flow: (pair, site, km), no repeats.

    Each pair's ``k`` nearest supplying sites (nearest anywhere when its list has none), each
    supplying site's nearest pairs (see :func:`_outlets_from_lists`) and, for products of at
    most ``WIDE_CELLS`` cells, each pair's ``_WIDE`` nearest supplying sites.
    """
    n_s = supply.size
    n_q = pair_c.size
    sup_sites = np.flatnonzero(supply > 0)
    has = supply > 0
    # initial arcs: k nearest supplying sites of each pair from the candidate lists
    sites = geo.cand_idx[pair_c]
    ok = has[sites]
    rank = np.cumsum(ok, axis=1)
    rows, cols = np.nonzero(ok & (rank <= k))
    arc_q = rows.astype(np.int64)
    arc_s = sites[rows, cols]
    arc_km = geo.cand_km[pair_c[rows], cols]
    no_arc = np.flatnonzero(~ok.any(axis=1))
    if no_arc.size:  # pairs with no supplying site among their nearest: nearest anywhere
        q2, s2 = nearest(geo, pair_c[no_arc], sup_sites, k)
        arc_q = np.concatenate([arc_q, no_arc[q2]])
        arc_s = np.concatenate([arc_s, s2])
        arc_km = np.concatenate([arc_km, geo.km(s2, pair_c[no_arc[q2]])])
    # reverse arcs: each supplying site to its nearest pairs (see _COVER)
    rq, rs = _outlets_from_lists(geo, pair_c, ub, supply, by_site)
    arc_q = np.concatenate([arc_q, rq])
    arc_s = np.concatenate([arc_s, rs])
    arc_km = np.concatenate([arc_km, geo.km(rs, pair_c[rq])])
    if n_q * sup_sites.size <= WIDE_CELLS:  # small enough: each pair's _WIDE nearest
        q5, s5 = nearest(geo, pair_c, sup_sites, _WIDE)
        arc_q = np.concatenate([arc_q, q5])
        arc_s = np.concatenate([arc_s, s5])
        arc_km = np.concatenate([arc_km, geo.km(s5, pair_c[q5])])
    _, first = np.unique(arc_q * n_s + arc_s, return_index=True)
    arc_q, arc_s, arc_km = arc_q[first], arc_s[first], arc_km[first]
    return arc_q, arc_s, arc_km


def _outlets_from_lists(geo: Geo, pair_c: IntArray, ub: IntArray, supply: IntArray,
                        by_site: IntArray | None = None) -> tuple[IntArray, IntArray]:
    """Like :func:`_outlets` but from the communities' nearest-site lists, inverted: each
    supplying site takes the pairs that list it, nearest first, until their demand is
    ``_COVER`` times its supply (no site x community distance matrix).

    Entries are ordered by (site, km, community, slot). With ``by_site`` (that order over
    all communities, see :func:`site_major_order`) the product's entries are picked out of
    it instead of sorted again; as ``pair_c`` is increasing, the order is the same.
    """
    n_list = geo.cand_idx.shape[1]
    if by_site is not None and (pair_c.size < 2 or bool(np.all(pair_c[1:] > pair_c[:-1]))):
        q_of = np.full(geo.cand_idx.shape[0], -1, dtype=np.int64)
        q_of[pair_c] = np.arange(pair_c.size)
        q = q_of[by_site // n_list]
        s = geo.cand_idx.ravel()[by_site]
        keep = (q >= 0) & (supply[s] > 0)
        q, s = q[keep], s[keep]
    else:
        sites = geo.cand_idx[pair_c]
        km = geo.cand_km[pair_c]
        q = np.repeat(np.arange(pair_c.size), n_list)
        s, k = sites.ravel(), km.ravel()
        keep = supply[s] > 0
        q, s, k = q[keep], s[keep], k[keep]
        order = np.lexsort((k, s))
        q, s = q[order], s[order]
    amount = ub[q]
    cum = np.cumsum(amount) - amount
    first = np.ones(s.size, dtype=bool)
    first[1:] = s[1:] != s[:-1]
    start = np.maximum.accumulate(np.where(first, np.arange(s.size), 0))
    before = cum - cum[start]
    take = before < _COVER * supply[s]
    return q[take], s[take]


def _outlets(geo: Geo, pair_c: IntArray, ub: IntArray, sites: IntArray, units: IntArray,
             most: int = 128) -> tuple[IntArray, IntArray]:
    """For each site, its nearest pairs (at most ``most``) until their demand is ``_COVER``
    times the units given."""
    m = min(most, pair_c.size)
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    chunk = max(1, 4_000_000 // pair_c.size)
    for lo in range(0, sites.size, chunk):
        s = sites[lo:lo + chunk]
        if geo.matrix is not None:
            dist = geo.matrix[s][:, pair_c]
        else:
            dist = 2.0 - 2.0 * (geo.site_xyz[s] @ geo.comm_xyz[pair_c].T)
        part = (np.argpartition(dist, m - 1, axis=1)[:, :m] if m < pair_c.size
                else np.broadcast_to(np.arange(pair_c.size), dist.shape))
        order = np.argsort(np.take_along_axis(dist, part, axis=1), axis=1)
        near = np.take_along_axis(part, order, axis=1)
        cum = np.cumsum(ub[near], axis=1) - ub[near]
        keep = cum < _COVER * units[lo:lo + chunk, None]
        rows, cols = np.nonzero(keep)
        out_q.append(near[rows, cols])
        out_s.append(s[rows])
    return np.concatenate(out_q), np.concatenate(out_s)


def _match(geo: Geo, site_units: IntArray, pair_units: IntArray, pair_c: IntArray
           ) -> tuple[IntArray, IntArray, IntArray]:
    """Pair up leftover supply and demand of equal totals (north-west corner rule after
    sorting both along the same direction): (pair, site, units)."""
    sites = np.flatnonzero(site_units > 0)
    pairs = np.flatnonzero(pair_units > 0)
    axis = np.array([0.3, 0.5, 0.8])
    sites = sites[np.argsort(geo.site_xyz[sites] @ axis)]
    pairs = pairs[np.argsort(geo.comm_xyz[pair_c[pairs]] @ axis)]
    cs = np.cumsum(site_units[sites])
    cp = np.cumsum(pair_units[pairs])
    cuts = np.union1d(cs, cp)
    cuts = cuts[cuts <= min(int(cs[-1]), int(cp[-1]))] if cs.size and cp.size else cuts[:0]
    amount = np.diff(np.concatenate([[0], cuts]))
    si = np.searchsorted(cs, cuts, side="left")
    pi = np.searchsorted(cp, cuts, side="left")
    keep = amount > 0
    return pairs[pi[keep]], sites[si[keep]], amount[keep].astype(np.int64)


def nearest(a: Geo, comms: IntArray, sites: IntArray, m: int) -> tuple[IntArray, IntArray]:
    """For each community, its ``m`` nearest of ``sites``: (row in comms, site)."""
    m = min(m, sites.size)
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    chunk = max(1, 4_000_000 // sites.size)
    for lo in range(0, comms.size, chunk):
        c = comms[lo:lo + chunk]
        if a.matrix is not None:
            dist = a.matrix[sites][:, c].T
        else:
            dist = 2.0 - 2.0 * (a.comm_xyz[c] @ a.site_xyz[sites].T)
        part = (np.argpartition(dist, m - 1, axis=1)[:, :m] if m < sites.size
                else np.broadcast_to(np.arange(sites.size), dist.shape))
        out_q.append(np.repeat(np.arange(lo, lo + c.size), m))
        out_s.append(sites[part].ravel())
    return np.concatenate(out_q), np.concatenate(out_s)


def _solve(supply: IntArray, sup_sites: IntArray, lb: IntArray, ub: IntArray, arc_q: IntArray,
           arc_s: IntArray, arc_km: FloatArray, n_s: int, total: int | None = None,
           duals: bool = False
           ) -> tuple[IntArray, IntArray, IntArray, Potentials | None, float]:
    """One min-cost flow: arc flows, units each site sends to the hub, units each pair takes
    from the hub, with ``duals`` the optimal node potentials (:class:`Potentials`) when
    the hub is idle (with hub flow the caller adds arcs instead of pricing them), and the
    seconds inside the solver.

    Every unit of supply ships, or with ``total`` (less than the supply) a source sends
    ``total`` units to the sites, each up to its supply; each pair takes
    at least its floor and at most its demand. The hub (any site -> any pair, cost
    twice the longest arc) keeps the flow feasible whatever the arcs; hub flow means missing arcs.
    """
    from ortools.graph.python import min_cost_flow  # workers only: see the module docstring

    n_q = lb.size
    n_sup = sup_sites.size
    node_of_site = np.full(n_s, -1, dtype=np.int64)
    node_of_site[sup_sites] = np.arange(n_sup)
    q_node = n_sup + np.arange(n_q)
    sink, hub, phantom = n_sup + n_q, n_sup + n_q + 1, n_sup + n_q + 2
    free = total is not None and total < int(supply[sup_sites].sum())
    total = int(supply[sup_sites].sum()) if total is None else min(total, int(
        supply[sup_sites].sum()))
    floor = np.minimum(lb, ub)
    n_floor = int(floor.sum())
    n_a = arc_q.size
    km_cost = np.round(arc_km * 100).astype(np.int64)
    hub_cost = 2 * int(km_cost.max(initial=0)) + 1
    # Safety valves, dearer than any real route, so the flow is feasible even when rounding
    # left supply and floors out of step: supply may stay (hub -> sink) and a floor may go
    # unmet (phantom -> pair; the phantom's units are not real and are dropped).
    tails = np.concatenate([node_of_site[arc_s], np.arange(n_sup), np.full(n_q, hub), q_node,
                            [hub], np.full(n_q, phantom), [phantom]])
    heads = np.concatenate([q_node[arc_q], np.full(n_sup, hub), q_node, np.full(n_q, sink),
                            [sink], q_node, [sink]])
    caps = np.concatenate([ub[arc_q], supply[sup_sites], ub, ub - floor, [total], floor,
                           [n_floor]])
    costs = np.concatenate([km_cost, np.full(n_sup, hub_cost), np.zeros(2 * n_q, np.int64),
                            [4 * hub_cost], np.full(n_q, 8 * hub_cost), [0]])
    n_node = phantom + 1
    if free:  # a source picks which sites ship: source -> site up to its supply
        source = phantom + 1
        n_node += 1
        tails = np.concatenate([tails, np.full(n_sup, source)])
        heads = np.concatenate([heads, np.arange(n_sup)])
        caps = np.concatenate([caps, supply[sup_sites]])
        costs = np.concatenate([costs, np.zeros(n_sup, np.int64)])
    mcf = min_cost_flow.SimpleMinCostFlow()
    mcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_node, dtype=np.int64)
    if free:
        supplies[source] = total
    else:
        supplies[:n_sup] = supply[sup_sites]
    supplies[q_node] = -floor
    supplies[sink] = -total
    supplies[phantom] = n_floor
    mcf.set_nodes_supplies(np.arange(n_node), supplies)
    t0 = time.perf_counter()
    status = mcf.solve()
    secs = time.perf_counter() - t0
    if status != mcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    flows = np.asarray(mcf.flows(np.arange(tails.size)), dtype=np.int64)
    hub_out = flows[n_a + n_sup:n_a + n_sup + n_q]
    # what each site really sends through the hub (units left unshipped are taken off)
    hub_in = np.zeros(n_s, dtype=np.int64)
    sent = flows[n_a:n_a + n_sup].copy()
    stay = int(flows[n_a + n_sup + 2 * n_q])
    for i in np.flatnonzero(sent).tolist():
        if stay <= 0:
            break
        take = min(stay, int(sent[i]))
        sent[i] -= take
        stay -= take
    hub_in[sup_sites] = sent
    pot = None
    if duals and not hub_out.any():  # with hub flow the caller adds arcs, not prices them
        d = potentials(n_node, tails, heads, caps, costs, flows)
        if d is not None:
            site_d = np.full(n_s, np.nan)
            site_d[sup_sites] = d[:n_sup]
            pot = Potentials(site_d, d[q_node].astype(np.float64))
    return flows[:n_a], hub_in, hub_out, pot, secs


def potentials(n_node: int, tails: IntArray, heads: IntArray, caps: IntArray, costs: IntArray,
               flows: IntArray, max_rounds: int = 20_000) -> IntArray | None:
    """Node potentials proving an integer min-cost flow optimal: shortest-path distances in
    the residual network from a virtual root joined to every node at cost 0.

    For every residual arc ``i -> j`` of cost ``c`` they satisfy ``d[j] <= d[i] + c`` (the
    reduced-cost optimality conditions), so they are an optimal dual of the flow problem.
    Bellman-Ford by frontiers (only arcs out of nodes lowered in the last round are
    relaxed); ``None`` if it does not settle in ``max_rounds`` rounds (a negative cycle:
    the flow was not optimal).
    """
    fw = flows < caps
    bw = flows > 0
    t = np.concatenate([tails[fw], heads[bw]])
    h = np.concatenate([heads[fw], tails[bw]])
    c = np.concatenate([costs[fw], -costs[bw]])
    order = np.argsort(t, kind="stable")
    t, h, c = t[order], h[order], c[order]
    start = np.searchsorted(t, np.arange(n_node + 1))
    d = np.zeros(n_node, dtype=np.int64)
    frontier = np.arange(n_node)
    for _ in range(max_rounds):
        lo, hi = start[frontier], start[frontier + 1]
        count = hi - lo
        if not count.any():
            return d
        # arc indices out of the frontier nodes
        idx = np.repeat(lo - np.concatenate([[0], np.cumsum(count)[:-1]]), count) + np.arange(
            int(count.sum()))
        cand = d[t[idx]] + c[idx]
        better = cand < d[h[idx]]
        if not better.any():
            return d
        hh = h[idx][better]
        np.minimum.at(d, hh, cand[better])
        frontier = np.unique(hh)
    return None


def _price_arcs(geo: Geo, pair_c: IntArray, sup_sites: IntArray, pot: Potentials
                ) -> tuple[IntArray, IntArray]:
    """Arcs of negative reduced cost, at most ``PER_PAIR`` per pair: (pair, site).

    The reduced cost of ``s -> q`` is ``round(100 km) + pot.site[s] - pot.pair[q]``. Each
    pair is priced on its nearest-site list; sites off the list are at least the list's last
    km away, so only those whose potential is below ``pot.pair[q] - 100 x that km`` can price
    in, and only those are measured (pairs taken by that threshold, in chunks).
    """
    sd = pot.site[sup_sites]
    is_sup = np.zeros(geo.site_xyz.shape[0], dtype=bool)
    is_sup[sup_sites] = True
    site_d = np.where(is_sup, pot.site, np.inf)
    out_q: list[IntArray] = []
    out_s: list[IntArray] = []
    live = np.flatnonzero(pot.pair > sd.min())
    if live.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if geo.cand_idx.shape[1]:
        sites = geo.cand_idx[pair_c[live]]
        km = geo.cand_km[pair_c[live]]
        take(np.round(km * 100) + site_d[sites] - pot.pair[live, None], sites, live, out_q,
              out_s)
        # round(100 km) >= 100 bound - 0.5 off the list
        limit = pot.pair[live] - 100.0 * km[:, -1] + 1.0
    else:
        limit = pot.pair[live]
    order = np.argsort(-limit, kind="stable")
    live, limit = live[order], limit[order]
    by_d = np.argsort(sd, kind="stable")
    sorted_d = sd[by_d]
    lo = 0
    while lo < live.size:
        n_site = int(np.searchsorted(sorted_d, limit[lo], side="left"))
        if n_site == 0:
            break
        hi = min(live.size, lo + max(1, CHUNK_CELLS // n_site))
        q = live[lo:hi]
        cand = sup_sites[by_d[:n_site]]
        c = pair_c[q]
        km = km_grid(geo.comm_xyz, geo.site_xyz, geo.matrix, geo.road_factor, c, cand)
        rc = np.round(km * 100) + site_d[cand][None, :] - pot.pair[q, None]
        take(rc, np.broadcast_to(cand, rc.shape), q, out_q, out_s)
        lo = hi
    if not out_q:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(out_q), np.concatenate(out_s)


def take(rc: FloatArray, sites: IntArray, pairs: IntArray, out_q: list[IntArray],
          out_s: list[IntArray]) -> None:
    """Append each row's ``PER_PAIR`` most negative reduced costs (those below 0)."""
    m = min(PER_PAIR, rc.shape[1])
    part = np.argpartition(rc, m - 1, axis=1)[:, :m] if m < rc.shape[1] else np.broadcast_to(
        np.arange(rc.shape[1]), rc.shape)
    val = np.take_along_axis(rc, part, axis=1)
    rows, cols = np.nonzero(val < 0)
    out_q.append(pairs[rows])
    out_s.append(np.take_along_axis(sites, part, axis=1)[rows, cols])
