"""Turn a :class:`~baogong.optim.routing.RoutingProblem` into PyVRP data, solve, read back.

How the requirements map onto PyVRP (0.14):

* every depot is a PyVRP depot; each vehicle type starts and ends at its own depot and lives
  within the depot's opening hours (``tw_early``/``tw_late``) and its shift
  (``shift_duration``);
* cold chain and pass permits are extra load dimensions: a cold (or sealed-area) stop puts
  weight in the "cold" (or "permit") dimension, in which vehicles without the equipment have
  capacity 0, so no feasible solution puts it on them;
* loads larger than the biggest suitable vehicle are split into full-truck pieces: several
  clients at the same location, reported back under the stop's id;
* vehicle types with ``max_trips`` > 1 may reload at their depot (``reload_depots``,
  ``max_reloads``); the depot's service duration is the loading time before each trip;
* every client is optional with a prize far above any detour, so when the fleet is too small
  the solver still returns the best partial plan and the left-over stops are reported.

Stops that no vehicle could serve even alone are found before solving and never reach PyVRP.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyvrp import Activity, Client, Location, ProblemData, Route, Solution
from pyvrp import Depot as PyDepot
from pyvrp import VehicleType as PyVehicleType
from pyvrp import solve as pyvrp_solve
from pyvrp.constants import MAX_VALUE

from baogong.i18n import N_
from baogong.optim.routing import (
    ProgressFn,
    RouteStop,
    RoutingProblem,
    RoutingResult,
    Stop,
    Unassigned,
    VehicleType,
    hhmm,
)
from baogong.optim.routing import (
    Route as PlannedRoute,
)

IntMatrix = npt.NDArray[np.int64]
EARTH_RADIUS_M = 6_371_008.8
#: Capacity of the cold and permit dimensions for vehicles that have the equipment.
_BIG = 1_000_000_000


def haversine_m(lat: npt.ArrayLike, lon: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Great-circle distances in metres between all pairs of the given points."""
    la = np.radians(np.asarray(lat, dtype=np.float64))
    lo = np.radians(np.asarray(lon, dtype=np.float64))
    dlat = la[:, None] - la[None, :]
    dlon = lo[:, None] - lo[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin(dlon / 2) ** 2
    result: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def road_matrices(problem: RoutingProblem) -> tuple[IntMatrix, IntMatrix, npt.NDArray[np.bool_]]:
    """Integer distance (m) and duration (s) matrices, depots then stops, and reachability."""
    if problem.matrix is not None:
        dist_rows = problem.matrix.distance_m
        dur_rows = problem.matrix.duration_s
        reach = np.array(
            [
                [d is not None and t is not None for d, t in zip(dr, tr, strict=True)]
                for dr, tr in zip(dist_rows, dur_rows, strict=True)
            ],
            dtype=bool,
        ).reshape(problem.matrix.size, problem.matrix.size)
        dist = np.array(
            [[0.0 if v is None else v for v in row] for row in dist_rows], dtype=np.float64
        ).reshape(reach.shape)
        dur = np.array(
            [[0.0 if v is None else v for v in row] for row in dur_rows], dtype=np.float64
        ).reshape(reach.shape)
    else:
        lat = [d.lat for d in problem.depots] + [s.lat for s in problem.stops]
        lon = [d.lon for d in problem.depots] + [s.lon for s in problem.stops]
        dist = haversine_m(lat, lon) * problem.options.road_factor
        dur = dist / (problem.options.speed_kmh / 3.6)
        reach = np.ones(dist.shape, dtype=bool)
    dist_i = np.minimum(np.round(dist), MAX_VALUE).astype(np.int64)
    dur_i = np.minimum(np.round(dur), MAX_VALUE).astype(np.int64)
    dist_i[~reach] = MAX_VALUE
    dur_i[~reach] = MAX_VALUE
    np.fill_diagonal(dist_i, 0)
    np.fill_diagonal(dur_i, 0)
    np.fill_diagonal(reach, True)
    return dist_i, dur_i, reach


@dataclass(frozen=True)
class Piece:
    """Part of a stop's load that one vehicle visit delivers."""

    stop: int
    load_kg: float
    units: int


@dataclass(frozen=True)
class Plan:
    """The outcome of the checks: what goes to PyVRP and what is refused up front."""

    pieces: tuple[Piece, ...]
    refused: tuple[Unassigned, ...]


def _suitable(stop: Stop, vt: VehicleType) -> bool:
    cold_ok = vt.cold_chain or not stop.cold
    return vt.count > 0 and cold_ok and (vt.permit or not stop.needs_permit)


def _no_vehicle(stop: Stop) -> Unassigned:
    if stop.cold and stop.needs_permit:
        return Unassigned(
            stop.id,
            "no_cold_permit_vehicle",
            N_("needs a cold-chain vehicle with a pass permit but none is available"),
        )
    if stop.cold:
        return Unassigned(
            stop.id, "no_cold_vehicle", N_("needs a cold-chain vehicle but none is available")
        )
    if stop.needs_permit:
        return Unassigned(
            stop.id,
            "no_permit_vehicle",
            N_("needs a vehicle with a pass permit but none is available"),
        )
    return Unassigned(stop.id, "no_vehicle", N_("no vehicle is available"))


def _alone(
    problem: RoutingProblem,
    s: int,
    vt: VehicleType,
    dur: IntMatrix,
    reach: npt.NDArray[np.bool_],
) -> tuple[int, Unassigned | None]:
    """Can one vehicle of this type serve stop ``s`` on its own? (rank of failure, reason)."""
    stop = problem.stops[s]
    d = problem.depot_index(vt.depot)
    depot = problem.depots[d]
    j = len(problem.depots) + s
    if not (reach[d, j] and reach[j, d]):
        return 0, Unassigned(
            stop.id,
            "unreachable",
            N_("no road between it and the depot of any suitable vehicle"),
        )
    opens, closes = depot.window[0] * 60, depot.window[1] * 60
    load_s = round(problem.options.load_minutes * 60)
    service_s = round(stop.service_minutes * 60)
    earliest = opens + load_s + int(dur[d, j])
    if earliest > stop.window[1] * 60:
        return 1, Unassigned(
            stop.id,
            "window",
            N_("its window {window} cannot be met: the earliest possible arrival is {earliest}"),
            {
                "window": f"{hhmm(stop.window[0])}-{hhmm(stop.window[1])}",
                "earliest": hhmm(earliest, seconds=True),
            },
        )
    start = max(earliest, stop.window[0] * 60)
    back = start + service_s + int(dur[j, d])
    if back > closes:
        return 2, Unassigned(
            stop.id,
            "depot_closed",
            N_("a vehicle serving it alone could not be back before its depot closes at {close}"),
            {"close": hhmm(depot.window[1])},
        )
    needed = load_s + int(dur[d, j]) + service_s + int(dur[j, d])
    if needed > vt.shift_minutes * 60:
        return 3, Unassigned(
            stop.id,
            "shift",
            N_("a round trip to it alone takes {minutes} min, longer than the shift ({shift} min)"),
            {"minutes": math.ceil(needed / 60), "shift": vt.shift_minutes},
        )
    return 4, None


def plan_pieces(problem: RoutingProblem, dur: IntMatrix, reach: npt.NDArray[np.bool_]) -> Plan:
    """Check every stop against the fleet; split oversize loads into full-truck pieces."""
    pieces: list[Piece] = []
    refused: list[Unassigned] = []
    for s, stop in enumerate(problem.stops):
        types = [vt for vt in problem.vehicle_types if _suitable(stop, vt)]
        if not types:
            refused.append(_no_vehicle(stop))
            continue
        able: list[VehicleType] = []
        worst: tuple[int, Unassigned | None] = (-1, None)
        for vt in types:
            rank, reason = _alone(problem, s, vt, dur, reach)
            if reason is None:
                able.append(vt)
            elif rank > worst[0]:
                worst = (rank, reason)
        if not able:
            assert worst[1] is not None
            refused.append(worst[1])
            continue
        size = max(1, max(math.floor(vt.capacity_kg) for vt in able))
        remaining = float(stop.load_kg)
        while remaining > size + 1e-9:
            pieces.append(Piece(s, float(size), size))
            remaining -= size
        pieces.append(Piece(s, round(remaining, 6), min(size, math.ceil(remaining - 1e-9))))
    return Plan(tuple(pieces), tuple(refused))


def build_data(
    problem: RoutingProblem, plan: Plan, dist: IntMatrix, dur: IntMatrix, *, required: bool
) -> tuple[ProblemData, list[VehicleType]]:
    """PyVRP data for the pieces; returns the vehicle types used, in PyVRP's order.

    With ``required=False`` every piece is optional, worth a prize far above any detour and
    growing with its weight, so that a short fleet drops as few kilograms as it can.
    """
    n_dep = len(problem.depots)
    opts = problem.options
    load_s = round(opts.load_minutes * 60)
    locations = [Location(x=d.lon, y=d.lat, name=d.id) for d in problem.depots]
    locations += [Location(x=s.lon, y=s.lat, name=s.id) for s in problem.stops]
    depots = [
        PyDepot(
            location=i,
            tw_early=d.window[0] * 60,
            tw_late=d.window[1] * 60,
            service_duration=load_s,
            name=d.id,
        )
        for i, d in enumerate(problem.depots)
    ]
    finite = dist[dist < MAX_VALUE]
    prize = int(10 * (int(finite.max()) if finite.size else 0) + opts.vehicle_cost_m + 1_000)
    heaviest = max(1, max(p.units for p in plan.pieces))
    clients = []
    for piece in plan.pieces:
        stop = problem.stops[piece.stop]
        tag = max(piece.units, 1)
        clients.append(
            Client(
                location=n_dep + piece.stop,
                delivery=[piece.units, tag if stop.cold else 0, tag if stop.needs_permit else 0],
                service_duration=round(stop.service_minutes * 60),
                tw_early=stop.window[0] * 60,
                tw_late=stop.window[1] * 60,
                prize=0 if required else prize + prize * piece.units // heaviest,
                required=required,
                name=stop.id,
            )
        )
    used = [vt for vt in problem.vehicle_types if vt.count > 0]
    vehicle_types = []
    for vt in used:
        d = problem.depot_index(vt.depot)
        window = problem.depots[d].window
        extra = {}
        if vt.reloads:
            extra = {"reload_depots": [d], "max_reloads": vt.max_trips - 1}
        vehicle_types.append(
            PyVehicleType(
                num_available=vt.count,
                capacity=[
                    max(1, math.floor(vt.capacity_kg)),
                    _BIG if vt.cold_chain else 0,
                    _BIG if vt.permit else 0,
                ],
                start_depot=d,
                end_depot=d,
                fixed_cost=opts.vehicle_cost_m,
                tw_early=window[0] * 60,
                tw_late=window[1] * 60,
                shift_duration=vt.shift_minutes * 60,
                name=vt.id,
                **extra,  # type: ignore[arg-type]
            )
        )
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[dist],  # type: ignore[list-item]
        duration_matrices=[dur],  # type: ignore[list-item]
    )
    return data, used


#: PyVRP's cost of an infeasible solution.
_INFEASIBLE = int(np.iinfo(np.int64).max)


class _Budget:
    """Stopping criterion shared by the solver phases: one time and iteration budget.

    With ``give_up`` set, a phase also stops when no feasible solution has been found after
    that fraction of the budget (``gave_up`` then tells the caller).
    """

    def __init__(
        self, time_limit_s: float, max_iterations: int | None, progress: ProgressFn | None
    ) -> None:
        self._limit = time_limit_s
        self._max_iterations = max_iterations
        self._progress = progress
        self._start = time.perf_counter()
        self._last = -1.0
        self.iterations = 0
        self.give_up: float | None = None
        self.gave_up = False

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return time.perf_counter() - self._start

    def _used(self, elapsed: float) -> float:
        used = 1.0 if self._limit <= 0 else elapsed / self._limit
        if self._max_iterations is not None:
            used = max(used, self.iterations / max(1, self._max_iterations))
        return used

    def __call__(self, best_cost: int) -> bool:
        elapsed = self.elapsed()
        used = self._used(elapsed)
        done = used >= 1.0
        infeasible = best_cost >= _INFEASIBLE
        if not done and infeasible and self.give_up is not None and used >= self.give_up:
            self.gave_up = done = True
        if not done:
            self.iterations += 1
        if self._progress is not None and (done or elapsed - self._last >= 0.2):
            self._last = elapsed
            self._progress(min(1.0, used), float(best_cost))
        return done


def _repair(data: ProblemData, solution: Solution) -> Solution:
    """Drop clients from an infeasible solution's routes until every route is feasible."""
    routes = []
    for route in solution.routes():
        vt = route.vehicle_type()
        acts = [Activity(a.type, a.idx) for a in route.schedule()][1:-1]
        candidate = Route(data, acts, vt)
        while acts and not candidate.is_feasible():
            best: tuple[float, list[Activity]] | None = None
            for k, act in enumerate(acts):
                if not act.is_client():
                    continue
                trial = acts[:k] + acts[k + 1 :]
                r = Route(data, trial, vt)
                score = float(sum(r.excess_load()) + r.time_warp() + r.excess_distance())
                if best is None or score < best[0]:
                    best = (score, trial)
            if best is None:
                break
            acts = best[1]
            while acts and acts[0].is_depot():
                acts = acts[1:]
            while acts and acts[-1].is_depot():
                acts = acts[:-1]
            acts = [a for k, a in enumerate(acts) if not (a.is_depot() and acts[k - 1].is_depot())]
            candidate = Route(data, acts, vt)
        if acts and candidate.is_feasible():
            routes.append(candidate)
    return Solution(data, routes)


def _search(
    problem: RoutingProblem,
    plan: Plan,
    dist: IntMatrix,
    dur: IntMatrix,
    seed: int,
    budget: _Budget,
) -> tuple[Solution, list[VehicleType]]:
    """Try with every piece required; if that finds no feasible plan, let pieces drop out."""
    data, used = build_data(problem, plan, dist, dur, required=True)
    budget.give_up = 0.3
    first = pyvrp_solve(data, budget, seed=seed, collect_stats=False, display=False)
    if first.best.is_feasible():
        return first.best, used
    # No feasible plan with everything required (or no time left to find one): drop the
    # visits that break a constraint and, if time remains, search on with optional pieces.
    budget.give_up = None
    optional, used = build_data(problem, plan, dist, dur, required=False)
    start = _repair(optional, first.best)
    second = pyvrp_solve(
        optional, budget, seed=seed, collect_stats=False, display=False, initial_solution=start
    )
    return second.best, used


def solve_problem(
    problem: RoutingProblem,
    time_limit_s: float,
    seed: int,
    *,
    max_iterations: int | None = None,
    progress: ProgressFn | None = None,
) -> RoutingResult:
    """See :func:`baogong.optim.routing.solve`."""
    started = time.perf_counter()
    dist, dur, reach = road_matrices(problem)
    plan = plan_pieces(problem, dur, reach)
    if not plan.pieces:
        if progress is not None:
            progress(1.0, 0.0)
        return RoutingResult((), plan.refused, 0, time.perf_counter() - started)
    budget = _Budget(time_limit_s, max_iterations, progress)
    best, used = _search(problem, plan, dist, dur, seed, budget)

    routes: list[PlannedRoute] = []
    delivered: dict[int, float] = {}
    numbering: dict[str, int] = {}
    ordered = sorted(best.routes(), key=lambda r: (r.vehicle_type(), r.start_time(), r.distance()))
    for route in ordered:
        vt = used[route.vehicle_type()]
        numbering[vt.id] = numbering.get(vt.id, 0) + 1
        stops = []
        for act in route.schedule():
            if not act.is_client():
                continue
            piece = plan.pieces[act.idx]
            delivered[piece.stop] = delivered.get(piece.stop, 0.0) + piece.load_kg
            stops.append(
                RouteStop(
                    id=problem.stops[piece.stop].id,
                    arrival=hhmm(act.start_time, seconds=True),
                    load_kg=piece.load_kg,
                    trip=act.trip + 1,
                    arrival_s=int(act.start_time),
                )
            )
        routes.append(
            PlannedRoute(
                vehicle=f"{vt.id}-{numbering[vt.id]}",
                vehicle_type=vt.id,
                depot=vt.depot,
                stops=tuple(stops),
                distance_m=int(route.distance()),
                duration_s=int(route.duration()),
                start=hhmm(route.start_time(), seconds=True),
                end=hhmm(route.end_time(), seconds=True),
                trips=int(route.num_trips()),
            )
        )

    missing: list[Unassigned] = []
    planned = sorted({p.stop for p in plan.pieces})
    for s in planned:
        stop = problem.stops[s]
        got = delivered.get(s, 0.0)
        if got <= 0.0 and not any(rs.id == stop.id for r in routes for rs in r.stops):
            missing.append(
                Unassigned(
                    stop.id,
                    "not_served",
                    N_(
                        "no vehicle had capacity or time left for it "
                        "(fleet too small or windows too tight)"
                    ),
                )
            )
        elif got + 1e-6 < stop.load_kg:
            missing.append(
                Unassigned(
                    stop.id,
                    "partly_served",
                    N_(
                        "{missing_kg} kg of {load_kg} kg could not be delivered: "
                        "no vehicle had capacity or time left"
                    ),
                    {"missing_kg": _kg(stop.load_kg - got), "load_kg": _kg(stop.load_kg)},
                )
            )
    by_position = {s.id: i for i, s in enumerate(problem.stops)}
    unassigned = sorted((*plan.refused, *missing), key=lambda u: by_position[u.id])
    return RoutingResult(
        routes=tuple(routes),
        unassigned=tuple(unassigned),
        distance_m=int(sum(r.distance_m for r in routes)),
        solve_s=time.perf_counter() - started,
        feasible=bool(best.is_feasible()),
        iterations=budget.iterations,
    )


def _kg(value: float) -> float | int:
    rounded = round(value, 3)
    return int(rounded) if rounded == int(rounded) else rounded
