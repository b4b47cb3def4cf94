"""The records of a routing problem and of its result, each checked when built.

Units: loads in kg, distances in metres, durations in seconds, windows and service times in
minutes since midnight of the planning day (windows may run past 24:00 for night work).
Every record checks itself on construction and raises :class:`RoutingInputError` (a
``ValueError``) naming the record and the field at fault.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from baogong.i18n import N_

#: A time window in minutes since midnight: (earliest, latest).
Window = tuple[int, int]

#: Windows may extend into the next morning (night shifts), but no further.
MAX_MINUTE = 48 * 60
WHOLE_DAY: Window = (0, 24 * 60)


class RoutingInputError(ValueError):
    """A record of a routing problem is invalid.

    ``message_id`` is an untranslated message with ``{placeholders}`` filled from ``params``;
    ``record`` names the record (``stop H1``) and ``field`` the field (``window``).
    """

    def __init__(self, message_id: str, *, record: str, field: str, **params: Any) -> None:
        self.message_id = message_id
        self.record = record
        self.field = field
        self.params = params
        super().__init__(f"{record}: {field}: {message_id.format(**params)}")


def _check_id(record: str, value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise RoutingInputError(N_("an id must be a non-empty text"), record=record, field="id")


def _check_number(
    record: str, name: str, value: object, *, minimum: float = 0.0, strict: bool = False
) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and (value < minimum or (strict and value <= minimum)):  # type: ignore[operator]
        ok = False
    if not ok:
        message = (
            N_("must be a number greater than {minimum}")
            if strict
            else N_("must be a number of at least {minimum}")
        )
        raise RoutingInputError(message, record=record, field=name, minimum=minimum)


def _check_coords(record: str, lat: object, lon: object) -> None:
    for name, value, bound in (("lat", lat, 90.0), ("lon", lon, 180.0)):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not -bound <= value <= bound:  # type: ignore[operator]
            raise RoutingInputError(
                N_("must be a coordinate between -{bound} and {bound}"),
                record=record,
                field=name,
                bound=bound,
            )


def _check_window(record: str, window: object) -> None:
    ok = (
        isinstance(window, tuple)
        and len(window) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in window)
    )
    if not ok:
        raise RoutingInputError(
            N_("must be two times [earliest, latest]"), record=record, field="window"
        )
    early: int = window[0]  # type: ignore[index]
    late: int = window[1]  # type: ignore[index]
    if not 0 <= early <= late <= MAX_MINUTE:
        raise RoutingInputError(
            N_("the window must satisfy 00:00 <= earliest <= latest <= 48:00"),
            record=record,
            field="window",
        )


def hhmm(minutes_or_seconds: float, *, seconds: bool = False) -> str:
    """Format a time of day as ``HH:MM`` (hours past 24 mean the next day)."""
    total = int(minutes_or_seconds // 60) if seconds else int(minutes_or_seconds)
    return f"{total // 60:02d}:{total % 60:02d}"


@dataclass(frozen=True)
class Depot:
    """A supply site where vehicles start, reload and end; ``window`` is its opening hours."""

    id: str
    lat: float
    lon: float
    window: Window = WHOLE_DAY

    def __post_init__(self) -> None:
        _check_id("depot", self.id)
        record = f"depot {self.id}"
        _check_coords(record, self.lat, self.lon)
        _check_window(record, self.window)


@dataclass(frozen=True)
class VehicleType:
    """``count`` identical vehicles based at ``depot``.

    ``cold_chain`` vehicles may carry chilled goods; ``permit`` vehicles hold a pass for
    sealed areas. ``max_trips`` > 1 lets a vehicle come back to its depot to reload.
    """

    id: str
    count: int
    capacity_kg: float
    depot: str
    cold_chain: bool = False
    shift_minutes: int = 480
    permit: bool = False
    max_trips: int = 1

    def __post_init__(self) -> None:
        _check_id("vehicle type", self.id)
        record = f"vehicle type {self.id}"
        for name in ("count", "shift_minutes", "max_trips"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise RoutingInputError(
                    N_("must be a whole number of at least {minimum}"),
                    record=record,
                    field=name,
                    minimum=0,
                )
        if self.max_trips < 1 or self.shift_minutes < 1:
            field_name = "max_trips" if self.max_trips < 1 else "shift_minutes"
            raise RoutingInputError(
                N_("must be a whole number of at least {minimum}"),
                record=record,
                field=field_name,
                minimum=1,
            )
        _check_number(record, "capacity_kg", self.capacity_kg, strict=True)
        if not isinstance(self.depot, str) or not self.depot:
            raise RoutingInputError(
                N_("an id must be a non-empty text"), record=record, field="depot"
            )
        for name in ("cold_chain", "permit"):
            if not isinstance(getattr(self, name), bool):
                raise RoutingInputError(N_("must be true or false"), record=record, field=name)

    @property
    def reloads(self) -> bool:
        """Whether a vehicle of this type may do more than one trip."""
        return self.max_trips > 1


@dataclass(frozen=True)
class Stop:
    """A hand-off point to deliver ``load_kg`` to, within ``window``, taking ``service_minutes``.

    ``cold`` loads need a cold-chain vehicle; ``needs_permit`` stops (inside a sealed area)
    need a vehicle with a pass permit.
    """

    id: str
    lat: float
    lon: float
    load_kg: float
    cold: bool = False
    service_minutes: float = 0.0
    window: Window = WHOLE_DAY
    needs_permit: bool = False

    def __post_init__(self) -> None:
        _check_id("stop", self.id)
        record = f"stop {self.id}"
        _check_coords(record, self.lat, self.lon)
        _check_number(record, "load_kg", self.load_kg)
        _check_number(record, "service_minutes", self.service_minutes)
        _check_window(record, self.window)
        for name in ("cold", "needs_permit"):
            if not isinstance(getattr(self, name), bool):
                raise RoutingInputError(N_("must be true or false"), record=record, field=name)


@dataclass(frozen=True)
class Matrix:
    """Road distances (m) and durations (s) between locations: depots first, then stops.

    ``None`` marks a pair with no road between them.
    """

    distance_m: tuple[tuple[float | None, ...], ...]
    duration_s: tuple[tuple[float | None, ...], ...]

    def __post_init__(self) -> None:
        n = len(self.distance_m)
        for name, rows in (("distance_m", self.distance_m), ("duration_s", self.duration_s)):
            if len(rows) != n or any(len(row) != n for row in rows):
                raise RoutingInputError(
                    N_("must be a square matrix of size {size}"),
                    record="matrix",
                    field=name,
                    size=n,
                )
            for row in rows:
                for value in row:
                    if value is None:
                        continue
                    ok = isinstance(value, int | float) and not isinstance(value, bool)
                    if not ok or not math.isfinite(value) or value < 0:
                        raise RoutingInputError(
                            N_("entries must be numbers of at least 0 or null"),
                            record="matrix",
                            field=name,
                        )

    @property
    def size(self) -> int:
        """Number of locations covered."""
        return len(self.distance_m)


@dataclass(frozen=True)
class RoutingOptions:
    """How to estimate roads when no matrix is given, and a few costs.

    ``road_factor`` multiplies the great-circle distance; ``speed_kmh`` turns it into a
    driving time; ``load_minutes`` is the loading time at the depot before each trip;
    ``vehicle_cost_m`` is a fixed cost per vehicle used, in metres of driving.
    """

    road_factor: float = 1.3
    speed_kmh: float = 30.0
    load_minutes: float = 0.0
    vehicle_cost_m: int = 0

    def __post_init__(self) -> None:
        _check_number("options", "road_factor", self.road_factor, minimum=1.0)
        _check_number("options", "speed_kmh", self.speed_kmh, strict=True)
        _check_number("options", "load_minutes", self.load_minutes)
        _check_number("options", "vehicle_cost_m", self.vehicle_cost_m)


@dataclass(frozen=True)
class RoutingProblem:
    """Everything needed to route one day: depots, fleet, stops and optionally roads."""

    depots: tuple[Depot, ...]
    vehicle_types: tuple[VehicleType, ...]
    stops: tuple[Stop, ...]
    matrix: Matrix | None = None
    options: RoutingOptions = field(default_factory=RoutingOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "depots", tuple(self.depots))
        object.__setattr__(self, "vehicle_types", tuple(self.vehicle_types))
        object.__setattr__(self, "stops", tuple(self.stops))
        if not self.depots:
            raise RoutingInputError(N_("at least one is needed"), record="problem", field="depots")
        for kind, records in (
            ("depot", self.depots),
            ("vehicle type", self.vehicle_types),
            ("stop", self.stops),
        ):
            seen: set[str] = set()
            for rec in records:
                if rec.id in seen:
                    raise RoutingInputError(
                        N_("duplicate id {id}"), record=f"{kind} {rec.id}", field="id", id=rec.id
                    )
                seen.add(rec.id)
        depot_ids = {d.id for d in self.depots}
        for vt in self.vehicle_types:
            if vt.depot not in depot_ids:
                raise RoutingInputError(
                    N_("unknown depot {depot}"),
                    record=f"vehicle type {vt.id}",
                    field="depot",
                    depot=vt.depot,
                )
        expected = len(self.depots) + len(self.stops)
        if self.matrix is not None and self.matrix.size != expected:
            raise RoutingInputError(
                N_("must have {expected} rows and columns (depots then stops), not {size}"),
                record="matrix",
                field="distance_m",
                expected=expected,
                size=self.matrix.size,
            )

    def depot_index(self, depot_id: str) -> int:
        """Position of a depot (and its row in the matrix)."""
        for idx, depot in enumerate(self.depots):
            if depot.id == depot_id:
                return idx
        raise KeyError(depot_id)


@dataclass(frozen=True)
class RouteStop:
    """One visit: ``arrival`` is the start of service (``HH:MM``); ``trip`` counts from 1."""

    id: str
    arrival: str
    load_kg: float
    trip: int = 1
    arrival_s: int = 0


@dataclass(frozen=True)
class Route:
    """The day of one vehicle, possibly over several trips from its depot."""

    vehicle: str
    vehicle_type: str
    depot: str
    stops: tuple[RouteStop, ...]
    distance_m: int
    duration_s: int
    start: str = ""
    end: str = ""
    trips: int = 1

    @property
    def load_kg(self) -> float:
        """Total delivered on this route."""
        return sum(s.load_kg for s in self.stops)


@dataclass(frozen=True)
class Unassigned:
    """A stop (or part of its load) not served, with a reason.

    ``code`` is stable for programs; ``message_id`` and ``params`` render the reason in any
    language (see :attr:`reason` for English).
    """

    id: str
    code: str
    message_id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.message_id.format(**self.params)


@dataclass(frozen=True)
class RoutingResult:
    """Routes, unserved stops, and totals."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    distance_m: int
    solve_s: float
    feasible: bool = True
    iterations: int = 0

    @property
    def vehicles_used(self) -> int:
        """Number of vehicles with at least one stop."""
        return len(self.routes)

    def is_feasible(self) -> bool:
        """Whether every route respects capacity, windows, shifts and cold chain."""
        return self.feasible

    def is_complete(self) -> bool:
        """Whether every stop got its whole load."""
        return not self.unassigned

    def summary(self) -> dict[str, Any]:
        """The totals as in the JSON output."""
        return {
            "distance_m": self.distance_m,
            "vehicles_used": self.vehicles_used,
            "solve_s": round(self.solve_s, 3),
        }


#: Progress callback: fraction of the time budget used (0..1) and best cost so far.
ProgressFn = Callable[[float, float], None]
