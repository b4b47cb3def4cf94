"""The allocation problem: products, sites, communities, fixed flows and options.

Every record checks itself when built and raises :class:`ProblemError` naming the record and
the field at fault; :class:`Problem` also builds the index-aligned arrays the solver works on
(residual quantities after the fixed flows).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from baogong.i18n import N_
from baogong.optim.allocation.geometry import FloatArray, IntArray, chord_km, unit_xyz


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
        (Lagrangian, see :mod:`baogong.optim.allocation.bound`; seconds to minutes
        more), so that the
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
            site_xyz=unit_xyz([s.lat for s in self.sites], [s.lon for s in self.sites]),
            comm_xyz=unit_xyz([c.lat for c in self.communities],
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
