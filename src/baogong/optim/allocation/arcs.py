"""Candidate arcs: each community's nearest active sites, and lower bounds on the rest; and
the same lists with the distances, as the flow workers take them (:class:`Geo`).

For every (community, product) pair only the ``k`` nearest active sites that hold the product
become real arcs. Every other site is at least ``bound_km`` away; that bound prices the
"anywhere" pool arc of the LP (see :mod:`baogong.optim.allocation.exact`), which is how the
restriction keeps optimality.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baogong.optim.allocation.geometry import FloatArray, IntArray, chord_km
from baogong.optim.allocation.model import Problem

#: Nearest sites listed per community up front (product lists are filtered from these).
LIST_K = 32
#: Distance-matrix cells computed per chunk.
_CHUNK_CELLS = 4_000_000


class Candidates:
    """Nearest active sites per community, sorted by road km, with lower bounds beyond."""

    def __init__(self, problem: Problem, list_k: int = LIST_K) -> None:
        a = problem.arrays
        self.problem = problem
        self.sites: IntArray = np.flatnonzero(a.active & (a.cap > 0)).astype(np.int64)
        n_c = a.comm_xyz.shape[0]
        n_act = self.sites.size
        k = min(list_k, n_act)
        self.complete = k == n_act  # the lists hold every usable site
        self.idx: IntArray = np.zeros((n_c, k), dtype=np.int64)
        self.km: FloatArray = np.zeros((n_c, k), dtype=np.float64)
        self.full: dict[int, tuple[IntArray, FloatArray]] = {}
        if k == 0 or n_c == 0:
            return
        chunk = max(1, _CHUNK_CELLS // max(n_act, 1))
        for lo in range(0, n_c, chunk):
            hi = min(n_c, lo + chunk)
            dist = self._dist_rows(np.arange(lo, hi))
            if k < n_act:
                part = np.argpartition(dist, k - 1, axis=1)[:, :k]
            else:
                part = np.broadcast_to(np.arange(n_act), (hi - lo, n_act))
            d = np.take_along_axis(dist, part, axis=1)
            order = np.argsort(d, axis=1, kind="stable")
            sel = np.take_along_axis(part, order, axis=1)
            self.idx[lo:hi] = self.sites[sel]
        comm = np.repeat(np.arange(n_c), k).reshape(n_c, k)
        self.km = problem.km(self.idx, comm)
        # Every site outside a list is at least as far as the list's last entry.
        self.bound_km: FloatArray = (self.km[:, -1] * (1 - 1e-9) if not self.complete
                                     else np.full(n_c, np.inf))

    def _dist_rows(self, comms: IntArray) -> FloatArray:
        """An order-preserving distance from communities to all usable sites."""
        a = self.problem.arrays
        if a.matrix is not None:
            return np.asarray(a.matrix[self.sites][:, comms].T, dtype=np.float64)
        # squared chord = 2 - 2 cos: monotone in great-circle distance
        return np.asarray(2.0 - 2.0 * (a.comm_xyz[comms] @ a.site_xyz[self.sites].T),
                          dtype=np.float64)

    def full_list(self, c: int) -> tuple[IntArray, FloatArray]:
        """All usable sites of community ``c``, nearest first (computed once, on demand)."""
        got = self.full.get(c)
        if got is None:
            order = np.argsort(self._dist_rows(np.array([c]))[0], kind="stable")
            sites = self.sites[order]
            km = self.problem.km(sites, np.full(sites.size, c))
            got = (sites, km)
            self.full[c] = got
        return got


@dataclass(frozen=True)
class Geo:
    """What a worker needs to measure distances and find neighbours."""

    comm_xyz: FloatArray
    site_xyz: FloatArray
    matrix: FloatArray | None
    road_factor: float
    cand_idx: IntArray
    cand_km: FloatArray

    def km(self, site: IntArray, comm: IntArray) -> FloatArray:
        """Road km of aligned (site, community) index arrays."""
        if self.matrix is not None:
            return np.asarray(self.matrix[site, comm], dtype=np.float64)
        chord = np.linalg.norm(self.site_xyz[site] - self.comm_xyz[comm], axis=-1)
        return chord_km(chord) * self.road_factor


def make_geo(problem: Problem) -> Geo:
    """The distances and nearest-site lists the flows need (built by the workers when forked,
    else by the caller)."""
    a = problem.arrays
    cand = Candidates(problem)
    return Geo(a.comm_xyz, a.site_xyz, a.matrix, problem.options.road_factor, cand.idx,
               cand.km)


def site_major_order(geo: Geo) -> IntArray:
    """All entries of the communities' nearest-site lists (flat index ``c * K + slot``)
    sorted by site, then km, then flat index: shared by the products' reverse arcs."""
    order: IntArray = np.lexsort((geo.cand_km.ravel(), geo.cand_idx.ravel()))
    return order
