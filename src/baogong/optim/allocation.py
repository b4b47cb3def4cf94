"""Allocation: who supplies whom, lexicographically optimal, fair and local-first.

A :class:`Problem` (frozen dataclasses, checked when built) goes into :func:`solve`, which
returns a :class:`Result`: integer flows site -> community -> product, what stays unmet and
a summary. The objective, in order of importance:

1. serve as many priority kg as possible;
2. then as many kg in total as possible;
3. then make the lowest fill rate of any (community, product) pair with demand as high as
   possible (fair sharing under shortage);
4. then minimise kg x road km.

The formulation and the proof that restricting arcs to near sites keeps optimality are in
:mod:`baogong.optim.allocation_lp` and ``docs/allocation.md``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from baogong.i18n import N_

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
EARTH_RADIUS_KM = 6371.0088


class ProblemError(ValueError):
    """An invalid allocation problem: message id (English, ``{placeholders}``), record, field.

    The message id is marked with ``N_`` so that the I/O layer can translate it; ``str()`` gives
    the English text with the record and field, PyVRP style.
    """

    def __init__(self, message: str, *, record: str, field: str, **params: Any) -> None:
        self.message = message
        self.record = record
        self.field = field
        self.params = params
        super().__init__(f"{record}: {field}: {message.format(**params)}")


class Tier(StrEnum):
    """How far a flow travels: the 就地保障 / 临近调配 / 全市集并 rule."""

    LOCAL = "local"
    NEARBY = "nearby"
    CITYWIDE = "citywide"


def _finite(value: float) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_coords(record: str, lat: float, lon: float) -> None:
    if not _finite(lat) or not -90.0 <= lat <= 90.0:
        raise ProblemError(N_("latitude must be a number between -90 and 90, got {value}"),
                           record=record, field="lat", value=lat)
    if not _finite(lon) or not -180.0 <= lon <= 180.0:
        raise ProblemError(N_("longitude must be a number between -180 and 180, got {value}"),
                           record=record, field="lon", value=lon)


def _check_id(record: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ProblemError(N_("id must be a non-empty string"), record=record, field="id")


def _check_quantity(record: str, fld: str, value: object) -> None:
    if not _whole(value):
        raise ProblemError(N_("quantity must be a whole number of units, got {value}"),
                           record=record, field=fld, value=value)
    if value < 0:  # type: ignore[operator]
        raise ProblemError(N_("quantity must not be negative, got {value}"),
                           record=record, field=fld, value=value)


@dataclass(frozen=True, slots=True)
class Product:
    """A product handed out in whole units of ``kg_per_unit`` kg (a pack, a box)."""

    id: str
    kg_per_unit: float

    def __post_init__(self) -> None:
        _check_id(f"product {self.id}", self.id)
        if not _finite(self.kg_per_unit) or self.kg_per_unit <= 0:
            raise ProblemError(N_("kg per unit must be a positive number, got {value}"),
                               record=f"product {self.id}", field="kg_per_unit",
                               value=self.kg_per_unit)


@dataclass(frozen=True, slots=True)
class Site:
    """A store, warehouse or base: stock in units per product, dispatch capacity in kg/day.

    ``active=False`` (closed site, unverified supplier) keeps the site out of the plan.
    """

    id: str
    lat: float
    lon: float
    capacity_kg: float
    stock: Mapping[str, int] = field(default_factory=dict)
    active: bool = True

    def __post_init__(self) -> None:
        record = f"site {self.id}"
        _check_id(record, self.id)
        _check_coords(record, self.lat, self.lon)
        if not _finite(self.capacity_kg) or self.capacity_kg < 0:
            raise ProblemError(N_("capacity must be a number of kg >= 0, got {value}"),
                               record=record, field="capacity_kg", value=self.capacity_kg)
        for product, units in self.stock.items():
            _check_quantity(record, f"stock.{product}", units)
        object.__setattr__(self, "stock", MappingProxyType(dict(self.stock)))


@dataclass(frozen=True, slots=True)
class Demand:
    """Units asked by one community for one product: priority (vulnerable) and regular."""

    priority: int = 0
    regular: int = 0

    def __post_init__(self) -> None:
        _check_quantity("demand", "priority", self.priority)
        _check_quantity("demand", "regular", self.regular)

    @property
    def total(self) -> int:
        """Priority plus regular units."""
        return self.priority + self.regular


@dataclass(frozen=True, slots=True)
class Community:
    """A community or sealed compound asking for products."""

    id: str
    lat: float
    lon: float
    demand: Mapping[str, Demand] = field(default_factory=dict)

    def __post_init__(self) -> None:
        record = f"community {self.id}"
        _check_id(record, self.id)
        _check_coords(record, self.lat, self.lon)
        for product, dem in self.demand.items():
            if not isinstance(dem, Demand):
                raise ProblemError(N_("demand must give priority and regular units"),
                                   record=record, field=f"demand.{product}")
        object.__setattr__(self, "demand", MappingProxyType(dict(self.demand)))


@dataclass(frozen=True, slots=True)
class FixedFlow:
    """A flow already dispatched: it stays, and consumes stock, capacity and demand."""

    site: str
    community: str
    product: str
    quantity: int
    priority_quantity: int = 0

    def __post_init__(self) -> None:
        record = f"fixed flow {self.site}->{self.community} {self.product}"
        _check_quantity(record, "quantity", self.quantity)
        _check_quantity(record, "priority_quantity", self.priority_quantity)
        if self.priority_quantity > self.quantity:
            raise ProblemError(N_("priority quantity {value} exceeds quantity {limit}"),
                               record=record, field="priority_quantity",
                               value=self.priority_quantity, limit=self.quantity)


@dataclass(frozen=True, slots=True)
class Options:
    """Solver options.

    Parameters
    ----------
    road_factor
        Road km per great-circle km (used when no matrix is given).
    distance_km
        Optional road distances, one row per site and one column per community, in the
        order of the problem (inactive sites included).
    nearest_k
        Arcs per (community, product) built up front: the nearest sites holding the product.
        More arcs are added only when the proof of optimality asks for them.
    local_km, nearby_km
        Tier thresholds: up to ``local_km`` is local, up to ``nearby_km`` nearby, beyond is
        city-wide.
    time_limit_s
        Time limit of each solver call.
    method
        ``exact``: stage 4 as one LP over all products (HiGHS, column generation);
        ``network``: one min-cost flow per product with the site supplies of a stage-1-3
        optimum (OR-Tools); ``auto``: exact when small, network otherwise.
    kgkm_bound
        With the network method, also compute a certified lower bound on stage 4's kg x km
        (Lagrangian, see :mod:`allocation_bound`; seconds to minutes more), so that the
        plan's kg x km gap is known. The exact method always has its LP bound.
    """

    road_factor: float = 1.3
    distance_km: Sequence[Sequence[float]] | None = None
    nearest_k: int = 4
    local_km: float = 3.0
    nearby_km: float = 10.0
    time_limit_s: float = 600.0
    method: str = "auto"
    kgkm_bound: bool = False

    def __post_init__(self) -> None:
        record = "options"
        if not isinstance(self.kgkm_bound, bool):
            raise ProblemError(N_("kgkm_bound must be true or false, got {value}"),
                               record=record, field="kgkm_bound", value=self.kgkm_bound)
        if self.method not in ("auto", "exact", "network"):
            raise ProblemError(N_("method must be one of auto, exact, network, got {value}"),
                               record=record, field="method", value=self.method)
        if not _finite(self.road_factor) or self.road_factor < 1.0:
            raise ProblemError(N_("road factor must be a number >= 1, got {value}"),
                               record=record, field="road_factor", value=self.road_factor)
        if not _whole(self.nearest_k) or self.nearest_k < 1:
            raise ProblemError(N_("nearest_k must be a whole number >= 1, got {value}"),
                               record=record, field="nearest_k", value=self.nearest_k)
        if not _finite(self.local_km) or self.local_km < 0:
            raise ProblemError(N_("distance threshold must be a number >= 0, got {value}"),
                               record=record, field="local_km", value=self.local_km)
        if not _finite(self.nearby_km) or self.nearby_km < self.local_km:
            raise ProblemError(N_("nearby_km must be a number >= local_km, got {value}"),
                               record=record, field="nearby_km", value=self.nearby_km)
        if not _finite(self.time_limit_s) or self.time_limit_s <= 0:
            raise ProblemError(N_("time limit must be a positive number, got {value}"),
                               record=record, field="time_limit_s", value=self.time_limit_s)

    def tier(self, km: float) -> Tier:
        """The tier of a flow of ``km`` road km."""
        if km <= self.local_km:
            return Tier.LOCAL
        return Tier.NEARBY if km <= self.nearby_km else Tier.CITYWIDE


@dataclass(frozen=True)
class Problem:
    """Products, sites, communities, flows already dispatched and options; checked when built.

    The arrays (``w``, ``stock``, ``priority`` ...) are indexed views built once; the plan is
    made for the residual quantities after the fixed flows.
    """

    products: Sequence[Product]
    sites: Sequence[Site]
    communities: Sequence[Community]
    fixed_flows: Sequence[FixedFlow] = ()
    options: Options = field(default_factory=Options)

    def __post_init__(self) -> None:
        for name in ("products", "sites", "communities", "fixed_flows"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        pidx = _index("product", self.products)
        sidx = _index("site", self.sites)
        cidx = _index("community", self.communities)
        n_p, n_s, n_c = len(self.products), len(self.sites), len(self.communities)
        stock = np.zeros((n_s, n_p), dtype=np.int64)
        for i, site in enumerate(self.sites):
            for pid, units in site.stock.items():
                if pid not in pidx:
                    raise ProblemError(N_("unknown product {product}"), record=f"site {site.id}",
                                       field=f"stock.{pid}", product=pid)
                stock[i, pidx[pid]] = units
        pri = np.zeros((n_c, n_p), dtype=np.int64)
        reg = np.zeros((n_c, n_p), dtype=np.int64)
        for j, com in enumerate(self.communities):
            for pid, dem in com.demand.items():
                if pid not in pidx:
                    raise ProblemError(N_("unknown product {product}"),
                                       record=f"community {com.id}", field=f"demand.{pid}",
                                       product=pid)
                pri[j, pidx[pid]] = dem.priority
                reg[j, pidx[pid]] = dem.regular
        w = np.array([p.kg_per_unit for p in self.products], dtype=np.float64)
        cap = np.array([s.capacity_kg for s in self.sites], dtype=np.float64)
        fixed_q = np.zeros((n_c, n_p), dtype=np.int64)
        fixed_pri = np.zeros((n_c, n_p), dtype=np.int64)
        fixed_stock = np.zeros((n_s, n_p), dtype=np.int64)
        f_s, f_c, f_p = (np.zeros(len(self.fixed_flows), dtype=np.int64) for _ in range(3))
        for k, ff in enumerate(self.fixed_flows):
            record = f"fixed flow {ff.site}->{ff.community} {ff.product}"
            for fld, value, table in (("site", ff.site, sidx), ("community", ff.community, cidx),
                                      ("product", ff.product, pidx)):
                if value not in table:
                    raise ProblemError(N_("unknown {kind} {value}"), record=record, field=fld,
                                       kind=fld, value=value)
            s, c, p = sidx[ff.site], cidx[ff.community], pidx[ff.product]
            f_s[k], f_c[k], f_p[k] = s, c, p
            fixed_q[c, p] += ff.quantity
            fixed_pri[c, p] += ff.priority_quantity
            fixed_stock[s, p] += ff.quantity
            cap[s] -= ff.quantity * w[p]
            if fixed_stock[s, p] > stock[s, p]:
                raise ProblemError(
                    N_("fixed flows take {value} units, more than the stock {limit}"),
                    record=record, field="quantity", value=int(fixed_stock[s, p]),
                    limit=int(stock[s, p]))
            if cap[s] < -1e-9:
                raise ProblemError(N_("fixed flows exceed the capacity of site {site}"),
                                   record=record, field="quantity", site=ff.site)
            if fixed_pri[c, p] > pri[c, p]:
                raise ProblemError(N_("fixed flows give {value} priority units, more than the "
                                      "{limit} asked"), record=record, field="priority_quantity",
                                   value=int(fixed_pri[c, p]), limit=int(pri[c, p]))
            if fixed_q[c, p] - fixed_pri[c, p] > reg[c, p]:
                raise ProblemError(N_("fixed flows give {value} regular units, more than the "
                                      "{limit} asked"), record=record, field="quantity",
                                   value=int(fixed_q[c, p] - fixed_pri[c, p]),
                                   limit=int(reg[c, p]))
        opts = self.options
        if opts.distance_km is not None:
            try:
                matrix = np.asarray(opts.distance_km, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ProblemError(N_("distances must be numbers >= 0"), record="options",
                                   field="distance_km") from exc
            if matrix.shape != (n_s, n_c):
                raise ProblemError(N_("distance matrix must have one row per site and one column "
                                      "per community ({rows} x {cols})"), record="options",
                                   field="distance_km", rows=n_s, cols=n_c)
            if not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
                raise ProblemError(N_("distances must be numbers >= 0"), record="options",
                                   field="distance_km")
        else:
            matrix = None
        active = np.array([s.active for s in self.sites], dtype=bool)
        arrays = _Arrays(
            w=w, stock=stock - fixed_stock, cap=np.maximum(cap, 0.0), active=active,
            pri=pri - fixed_pri, reg=reg - (fixed_q - fixed_pri), demand=pri + reg,
            fixed_q=fixed_q, fixed_pri=fixed_pri, fixed_site=f_s, fixed_comm=f_c, fixed_prod=f_p,
            site_xyz=_unit_xyz([s.lat for s in self.sites], [s.lon for s in self.sites]),
            comm_xyz=_unit_xyz([c.lat for c in self.communities],
                               [c.lon for c in self.communities]),
            matrix=matrix,
        )
        object.__setattr__(self, "arrays", arrays)

    arrays: _Arrays = field(init=False, repr=False, compare=False)

    def km(self, site: IntArray, community: IntArray) -> FloatArray:
        """Road km of each (site index, community index) pair."""
        a = self.arrays
        if a.matrix is not None:
            return np.asarray(a.matrix[site, community], dtype=np.float64)
        chord = np.linalg.norm(a.site_xyz[site] - a.comm_xyz[community], axis=-1)
        return chord_km(chord) * self.options.road_factor


@dataclass(frozen=True, slots=True, eq=False)
class _Arrays:
    """Index-aligned arrays of a problem (residual after fixed flows)."""

    w: FloatArray           # kg per unit, (P,)
    stock: IntArray         # residual stock units, (S, P)
    cap: FloatArray         # residual capacity kg, (S,)
    active: npt.NDArray[np.bool_]  # (S,)
    pri: IntArray           # residual priority demand units, (C, P)
    reg: IntArray           # residual regular demand units, (C, P)
    demand: IntArray        # total demand units, fixed flows included, (C, P)
    fixed_q: IntArray       # units already dispatched, (C, P)
    fixed_pri: IntArray     # of which priority, (C, P)
    fixed_site: IntArray
    fixed_comm: IntArray
    fixed_prod: IntArray
    site_xyz: FloatArray    # unit vectors, (S, 3)
    comm_xyz: FloatArray    # unit vectors, (C, 3)
    matrix: FloatArray | None


def _index(kind: str, items: Sequence[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in out:
            raise ProblemError(N_("duplicate id {value}"), record=f"{kind} {item.id}", field="id",
                               value=item.id)
        out[item.id] = i
    return out


def _unit_xyz(lat: Sequence[float], lon: Sequence[float]) -> FloatArray:
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    xyz = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)
    return xyz.reshape(-1, 3)


def km_grid(comm_xyz: FloatArray, site_xyz: FloatArray, matrix: FloatArray | None,
            road_factor: float, comms: IntArray, sites: IntArray) -> FloatArray:
    """Road km from each of ``comms`` (rows) to each of ``sites`` (columns): the distance
    matrix when there is one, else great-circle km x ``road_factor``."""
    if matrix is not None:
        return np.asarray(matrix[sites][:, comms].T, dtype=np.float64)
    dot = comm_xyz[comms] @ site_xyz[sites].T
    return chord_km(np.sqrt(np.maximum(2.0 - 2.0 * dot, 0.0))) * road_factor


def chord_km(chord: FloatArray) -> FloatArray:
    """Great-circle km from the chord length between unit vectors (exact haversine)."""
    return np.asarray(2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0)),
                      dtype=np.float64)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two WGS-84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Flow:
    """Units of one product sent from a site to a community (``priority_quantity`` of them
    for priority households)."""

    site: str
    community: str
    product: str
    quantity: int
    priority_quantity: int
    km: float
    tier: Tier
    fixed: bool = False


@dataclass(frozen=True, slots=True)
class Unmet:
    """Demand left unserved for one (community, product)."""

    community: str
    product: str
    priority: int
    regular: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals of a plan, the LP bounds of each stage and the time taken.

    ``lp_*`` are the optimal values of the linear relaxation (upper bounds for the kg and the
    fill rate, a lower bound for kg x km); ``*_gap`` are the relative shortfalls of the
    integer plan against them.
    """

    served_kg: float
    unmet_kg: float
    priority_served_kg: float
    priority_unmet_kg: float
    min_fill_rate: float
    kg_km: float
    solve_s: float
    lp_priority_kg: float = math.nan
    lp_served_kg: float = math.nan
    lp_min_fill_rate: float = math.nan
    lp_kg_km: float = math.nan
    solver_s: float = 0.0
    solver_calls: int = 0
    arcs: int = 0
    arc_rounds: int = 0
    proven_products: int = -1  # network method: products whose flows are proven optimal
    bound_s: float = 0.0  # network method with kgkm_bound: seconds for the bound (not in solve_s)

    def gaps(self) -> dict[str, float]:
        """Relative gaps of the integer plan to the LP bound of each stage (0 = optimal)."""
        def rel(lp: float, got: float, lower_is_better: bool = False) -> float:
            if math.isnan(lp):
                return math.nan
            diff = got - lp if lower_is_better else lp - got
            return max(0.0, diff) / max(abs(lp), 1e-9)

        return {
            "priority_kg": rel(self.lp_priority_kg, self.priority_served_kg),
            "served_kg": rel(self.lp_served_kg, self.served_kg),
            "min_fill_rate": max(0.0, self.lp_min_fill_rate - self.min_fill_rate)
            if not math.isnan(self.lp_min_fill_rate) else math.nan,
            "kg_km": rel(self.lp_kg_km, self.kg_km, lower_is_better=True),
        }


@dataclass(frozen=True, eq=False)
class Result:
    """An integer plan in columnar form (index arrays into the problem) plus its summary.

    Fixed flows come first in the flow arrays, marked by ``flow_fixed``.
    """

    problem: Problem
    flow_site: IntArray
    flow_comm: IntArray
    flow_prod: IntArray
    flow_qty: IntArray
    flow_pri: IntArray
    flow_km: FloatArray
    flow_fixed: npt.NDArray[np.bool_]
    served: IntArray          # units served per (community, product), fixed included
    served_pri: IntArray      # of which priority
    summary: Summary

    def flows(self) -> Iterator[Flow]:
        """The flows as records."""
        pb = self.problem
        tier = pb.options.tier
        for s, c, p, q, qp, km, fx in zip(
            self.flow_site.tolist(), self.flow_comm.tolist(), self.flow_prod.tolist(),
            self.flow_qty.tolist(), self.flow_pri.tolist(), self.flow_km.tolist(),
            self.flow_fixed.tolist(), strict=True,
        ):
            yield Flow(pb.sites[s].id, pb.communities[c].id, pb.products[p].id, q, qp,
                       round(km, 3), tier(km), fx)

    def unmet(self) -> Iterator[Unmet]:
        """Unserved demand, one record per (community, product) left short."""
        pb = self.problem
        a = pb.arrays
        total_pri = a.pri + a.fixed_pri
        un_pri = total_pri - self.served_pri
        un_reg = (a.demand - self.served) - un_pri
        for c, p in zip(*np.nonzero(un_pri + un_reg), strict=True):
            yield Unmet(pb.communities[c].id, pb.products[p].id, int(un_pri[c, p]),
                        int(un_reg[c, p]))

    def tier_kg(self) -> dict[Tier, float]:
        """kg moved per tier."""
        pb = self.problem
        kg = self.flow_qty * pb.arrays.w[self.flow_prod]
        out = {t: 0.0 for t in Tier}
        local = self.flow_km <= pb.options.local_km
        nearby = ~local & (self.flow_km <= pb.options.nearby_km)
        out[Tier.LOCAL] = float(kg[local].sum())
        out[Tier.NEARBY] = float(kg[nearby].sum())
        out[Tier.CITYWIDE] = float(kg[~local & ~nearby].sum())
        return out

    def violations(self) -> list[str]:
        """Broken constraints (stock, capacity, demand, priority labels); empty when valid."""
        pb = self.problem
        a = pb.arrays
        n_s, n_p = a.stock.shape
        out: list[str] = []
        if np.any(self.flow_qty <= 0) or np.any(self.flow_pri < 0) or np.any(
                self.flow_pri > self.flow_qty):
            out.append("flow quantities out of range")
        orig_stock = np.zeros((n_s, n_p), dtype=np.int64)
        for i, site in enumerate(pb.sites):
            for j, prod in enumerate(pb.products):
                orig_stock[i, j] = site.stock.get(prod.id, 0)
        shipped = np.zeros((n_s, n_p), dtype=np.int64)
        np.add.at(shipped, (self.flow_site, self.flow_prod), self.flow_qty)
        if np.any(shipped > orig_stock):
            out.append("stock exceeded")
        kg = np.zeros(n_s)
        np.add.at(kg, self.flow_site, self.flow_qty * a.w[self.flow_prod])
        caps = np.array([s.capacity_kg for s in pb.sites])
        if np.any(kg > caps + 1e-6):
            out.append("capacity exceeded")
        new = ~self.flow_fixed
        if np.any(~a.active[self.flow_site[new]]):
            out.append("inactive site used")
        served = np.zeros_like(a.demand)
        np.add.at(served, (self.flow_comm, self.flow_prod), self.flow_qty)
        if np.any(served != self.served) or np.any(served > a.demand):
            out.append("demand exceeded")
        spri = np.zeros_like(a.demand)
        np.add.at(spri, (self.flow_comm, self.flow_prod), self.flow_pri)
        if np.any(spri != self.served_pri) or np.any(spri > a.pri + a.fixed_pri):
            out.append("priority labels inconsistent")
        return out


def solve(problem: Problem) -> Result:
    """Solve an allocation problem to lexicographic optimality (LP) and round to units."""
    from baogong.optim.allocation_lp import solve_lexicographic

    return solve_lexicographic(problem)


def greedy(problem: Problem) -> Result:
    """The nearest-first baseline: what a person with a spreadsheet does."""
    from baogong.optim.allocation_greedy import nearest_first

    return nearest_first(problem)
